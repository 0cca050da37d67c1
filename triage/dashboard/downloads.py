"""The dashboard's figures as a CSV or XLSX file, for the same filters as the page.

One row per figure, from `figures.as_rows` (section, item, value), under a header; the chosen
team is named beside its id. Every cell goes through `exports.inert`, as in the case list: a team
or advisor name is typed by staff, and a spreadsheet must never run it as a formula.
"""

from __future__ import annotations

from sqlmodel import Session

from triage import exports
from triage.accounts.models import Team
from triage.dashboard.figures import Figures, as_rows

HEADER = ("section", "item", "value")


def table(session: Session, figures: Figures) -> list[list[str]]:
    """The header and the figures' rows, every cell inert."""
    rows: list[tuple[str, str, str]] = [HEADER, *as_rows(figures)]
    team_id = figures.filters.team
    if team_id is not None:
        team = session.get(Team, team_id)
        at = next(i for i, row in enumerate(rows) if row[:2] == ("filter", "team")) + 1
        rows.insert(at, ("filter", "team_name", team.name if team is not None else ""))
    return [[exports.inert(cell) for cell in row] for row in rows]


def filename(figures: Figures, suffix: str) -> str:
    f = figures.filters
    return f"dashboard-{f.start.isoformat()}-{f.end.isoformat()}.{suffix}"
