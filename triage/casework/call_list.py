"""Who to call today: open cases whose client asked for a call back on today's weekday.

A case drops off the list once someone logged a call to it today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlmodel import Session, col

from intake.models import Case
from triage.accounts.models import StaffUser
from triage.casework.models import CaseEvent
from yhteys.clock import HELSINKI

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


@dataclass(frozen=True)
class CallDue:
    reference: str
    start: str  # "" is any time
    end: str


def _window_today(windows: object, today: date) -> tuple[str, str] | None:
    if today.weekday() >= 5 or not isinstance(windows, list):
        return None
    for window in windows:
        days = ("weekdays", WEEKDAYS[today.weekday()])
        if isinstance(window, dict) and window.get("day") in days:
            return str(window.get("start") or ""), str(window.get("end") or "")
    return None


def due_today(session: Session, user: StaffUser, today: date) -> list[CallDue]:
    """The calls due today in the cases `user` may see, earliest window first."""
    query = select(Case).where(col(Case.state) != "closed")
    if not user.has_role("supervisor"):
        query = query.where(col(Case.team_id).in_(list(user.team_ids) or [-1]))
    day_start = datetime.combine(today, time(0), HELSINKI)
    called = set(session.scalars(select(col(CaseEvent.case_id)).where(
        col(CaseEvent.action) == "call", col(CaseEvent.at) >= day_start)))
    due = []
    for case in session.scalars(query):
        window = _window_today(case.contact_windows, today)
        if window is not None and case.id not in called:
            due.append(CallDue(case.reference, *window))
    return sorted(due, key=lambda c: (c.start or "00:00", c.reference))
