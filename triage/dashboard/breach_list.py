"""The breaches of the dashboard's period: which case, which target, when it was due and seen.

The same breach rows the dashboard counts (targets missed by the cases that arrived in the
period and match the filters) and the hourly digest announced, newest first, capped: the page
shows references and links only, never a client's words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from intake.models import Case
from triage.casework.models import SlaBreach
from triage.dashboard.figures import Filters, cohort
from yhteys.clock import as_utc

SHOWN = 50


@dataclass(frozen=True)
class Breach:
    reference: str
    target: str
    due_at: datetime
    detected_at: datetime


@dataclass(frozen=True)
class BreachList:
    shown: list[Breach]
    total: int


def breaches(session: Session, filters: Filters, limit: int = SHOWN,
             total: int | None = None) -> BreachList:
    """The period's breaches, newest first, at most `limit`, with how many there are in all
    (counted here unless the caller has the figures' count of the same rows)."""
    joined = (col(SlaBreach.case_id) == col(Case.id))
    if total is None:
        total = session.scalar(select(func.count()).select_from(SlaBreach).join(Case, joined)
                               .where(*cohort(filters))) or 0
    # Newest first through ix_sla_breach_detected, each case looked up by its key: the first
    # `limit` that belong to the period end the scan (not a pass over the period's cases).
    query = (select(col(Case.reference), col(SlaBreach.target), col(SlaBreach.due_at),
                    col(SlaBreach.detected_at))
             .join(Case, joined).where(*cohort(filters))
             .order_by(col(SlaBreach.detected_at).desc(), col(SlaBreach.id).desc()).limit(limit))
    shown = [Breach(reference, target, as_utc(due), as_utc(seen))
             for reference, target, due, seen in session.execute(query)]
    return BreachList(shown=shown, total=int(total))
