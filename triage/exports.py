"""Case lists as CSV and XLSX for supervisors: the board's filters, one row per case.

Every cell goes through `inert`: a spreadsheet runs a cell that starts with = + - @ (or a tab or
carriage return before one) as a formula, so such a cell gets a leading single quote, as OWASP
advises for CSV injection. The XLSX has only string and number cells (never a formula cell),
and its strings are made inert the same way, because a copy into CSV would arm them again.

The list holds the case's working fields; with a kind chosen and `answers` asked for, also the
answers of that kind's form (`intake.questions.export_columns`), which are personal data: the
audit trail records every export with its filters and row count.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from intake import municipalities, questions
from intake.models import CHANNELS, STATES, Case
from triage.accounts.models import StaffUser, Team
from triage.casework import board
from yhteys.clock import HELSINKI, as_utc

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 100_000  # beyond that, filter: a spreadsheet is no place for more
BATCH = 1000
BASE_COLUMNS = (
    "reference", "kind", "state", "priority", "team", "assignee", "language", "source",
    "created_at", "first_response_at", "due_at", "closed_at", "outcome", "anonymised",
    "municipality",
)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def inert(cell: object) -> str:
    """The cell as text that no spreadsheet runs as a formula."""
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class ExportFilters:
    """The board's filters, a state, and whether the answers come along (a kind is needed);
    the dashboard's link adds its period (Helsinki dates of arrival, both included) and the
    contact channel."""

    board: board.Filters
    state: str = ""
    answers: bool = False
    start: date | None = None
    end: date | None = None
    channel: str = ""

    @classmethod
    def read(cls, params: Mapping[str, str]) -> ExportFilters:
        filters = board.Filters.read(params)
        state = params.get("state", "")
        answers = params.get("answers") in ("1", "on", "yes") and bool(filters.kind)
        channel = params.get("channel", "")
        return cls(board=filters, state=state if state in STATES else "", answers=answers,
                   start=_day(params.get("start")), end=_day(params.get("end")),
                   channel=channel if channel in CHANNELS else "")

    def detail(self) -> dict[str, Any]:
        """For the audit trail: codes and ids only (a reference is no personal data)."""
        values = {k: v for k, v in self.board.__dict__.items()
                  if k != "pages" and v not in ("", False)}
        if self.state:
            values["state"] = self.state
        for name in ("start", "end"):
            if getattr(self, name) is not None:
                values[name] = getattr(self, name).isoformat()
        if self.channel:
            values["channel"] = self.channel
        values["answers"] = self.answers
        return values

    def narrow(self, query):  # noqa: ANN001, ANN201
        """`query` narrowed to the state, the period of arrival and the channel asked for."""
        if self.state:
            query = query.where(col(Case.state) == self.state)
        if self.start is not None:
            query = query.where(col(Case.created_at) >= _midnight(self.start))
        if self.end is not None:
            query = query.where(col(Case.created_at) < _midnight(self.end + timedelta(days=1)))
        if self.channel:
            query = query.where(col(Case.contact_channel) == self.channel)
        return query


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _midnight(day: date) -> datetime:
    # Bound as UTC: SQLite compares the stored UTC text.
    return as_utc(datetime.combine(day, time(0), tzinfo=HELSINKI))


def columns(filters: ExportFilters) -> list[str]:
    extra = questions.export_columns(filters.board.kind)[2:] if filters.answers else []
    return [*BASE_COLUMNS, *extra]


def _answer(case: Case, key: str) -> Any:
    if key.startswith("details."):
        value: Any = case.details or {}
        for part in key.split(".")[1:]:
            value = value.get(part) if isinstance(value, Mapping) else None
        return value
    return getattr(case, key, None)


def answer_cells(case: Case) -> list[Any]:
    """The case's answers in `export_columns` order (groups: one cell per row and question)."""
    cells: list[Any] = []
    for item in questions.items(case.kind):
        if isinstance(item, questions.Group):
            rows = _answer(case, item.key)
            rows = rows if isinstance(rows, list) else []
            for n in range(item.max_rows):
                row = rows[n] if n < len(rows) and isinstance(rows[n], Mapping) else {}
                cells.extend(row.get(q.name) for q in item.questions)
        else:
            cells.append(_answer(case, item.key))
    return cells


def municipality_code(area: str) -> str:
    """The municipality code she chose (or "not_said"); an area typed as free text before areas
    were a choice stays out of the working columns (it comes with the answers)."""
    if area == municipalities.NOT_SAID:
        return area
    found = municipalities.by_code(area) if area else None
    return found.code if found is not None else ""


def _when(value: datetime | None) -> str:
    return as_utc(value).strftime("%Y-%m-%d %H:%M") if value is not None else ""


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | dict):
        return ", ".join(str(v) for v in (value.values() if isinstance(value, dict) else value))
    return "" if value is None else str(value)


def rows(session: Session, user: StaffUser, filters: ExportFilters,
         at: datetime) -> Iterator[list[str]]:
    """The header and one row per case, every cell inert; newest case first."""
    yield [inert(c) for c in columns(filters)]
    teams = {t.id: t.name for t in session.scalars(select(Team))}
    people = {u.id: u.display_name for u in session.scalars(select(StaffUser))}
    query = filters.narrow(board.scoped(select(Case), user, filters.board, at))
    query = query.order_by(col(Case.created_at).desc(), col(Case.id).desc()).limit(MAX_ROWS)
    for case in session.scalars(query.execution_options(yield_per=BATCH)):
        cells: list[Any] = [
            case.reference, case.kind, case.state, case.priority,
            teams.get(case.team_id, "") if case.team_id else "",
            people.get(case.assignee_id, "") if case.assignee_id else "",
            case.language, case.source, _when(case.created_at), _when(case.first_response_at),
            _when(case.due_at), _when(case.closed_at), case.outcome,
            case.anonymised_at is not None, municipality_code(case.area),
        ]
        if filters.answers:
            cells.extend(answer_cells(case) if case.anonymised_at is None else [])
        yield [inert(_cell(c)) for c in cells]


def to_csv(table: list[list[str]]) -> bytes:
    """UTF-8 with a byte-order mark, so a spreadsheet opens the Finnish letters right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(table)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(table: list[list[str]], title: str = "Cases") -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    for row in table:
        # Control characters make the file unreadable: they go first, so that what follows them
        # is checked by `inert` (openpyxl stores a string starting with "=" as a formula).
        sheet.append([inert(ILLEGAL_CHARACTERS_RE.sub("", str(cell))) for cell in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
