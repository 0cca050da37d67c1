"""The SLA clock: due times per priority in business time, the pause while waiting, breaches.

Targets are business minutes per priority (the `sla_target` table, falling back to the defaults
below). A case's clock counts business time while it is with us; it stops while the case waits for
the client and when it closes, and resumes with the time it had left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from intake.expectations import Expectation, due_day
from intake.models import PRIORITIES, Case
from triage.casework import config_cache
from triage.casework.calendar import BUSINESS_DAY_MINUTES, BusinessCalendar
from triage.casework.models import CalendarClosure, CaseClock, SlaTarget
from yhteys.clock import as_utc
from yhteys.db import pk


@dataclass(frozen=True)
class Target:
    first_response_minutes: int
    resolution_minutes: int


DAY = BUSINESS_DAY_MINUTES
DEFAULT_TARGETS: dict[str, Target] = {
    "urgent": Target(4 * 60, 2 * DAY),
    "high": Target(1 * DAY, 5 * DAY),
    "normal": Target(2 * DAY, 10 * DAY),
}
# The clock runs while the case is with us; these states stop it.
STOPPED_STATES = frozenset({"waiting_client", "closed"})


def targets(session: Session) -> dict[str, Target]:
    return dict(config_cache.cached(session, "sla_targets", _load_targets))


def _load_targets(session: Session) -> dict[str, Target]:
    found = dict(DEFAULT_TARGETS)
    for row in session.scalars(select(SlaTarget)):
        if row.priority in found:
            found[row.priority] = Target(row.first_response_minutes, row.resolution_minutes)
    return found


def set_target(
    session: Session, priority: str, first_minutes: int, resolution_minutes: int, actor_id: int
) -> None:
    if priority not in PRIORITIES:
        raise ValueError("unknown priority")
    if not 0 < first_minutes <= resolution_minutes:
        raise ValueError("the first response must come before resolution, and after zero")
    from yhteys.clock import now

    row = session.get(SlaTarget, priority) or SlaTarget(
        priority=priority, first_response_minutes=0, resolution_minutes=0
    )
    row.first_response_minutes = first_minutes
    row.resolution_minutes = resolution_minutes
    row.updated_at = now()
    row.updated_by = actor_id
    session.add(row)


def business_calendar(session: Session) -> BusinessCalendar:
    """The calendar with the closed dates (cached: see config_cache; never mutated)."""
    return config_cache.cached(session, "business_calendar", _load_calendar)


def _load_calendar(session: Session) -> BusinessCalendar:
    return BusinessCalendar(session.scalars(select(col(CalendarClosure.day))).all())


def _clock(session: Session, case: Case) -> CaseClock:
    clock = session.get(CaseClock, case.id)
    if clock is None:
        clock = CaseClock(case_id=pk(case), elapsed=0, running_since=case.created_at)
        session.add(clock)
    return clock


def _due(cal: BusinessCalendar, clock: CaseClock, at: datetime, minutes: int) -> datetime:
    """Due instant of a target of `minutes`, for a clock whose elapsed time is counted to `at`."""
    left = minutes * 60 - clock.elapsed
    return cal.add(at, left) if left >= 0 else cal.subtract(at, -left)


def _elapsed_now(cal: BusinessCalendar, clock: CaseClock, at: datetime) -> int:
    if clock.running_since is None:
        return clock.elapsed
    return clock.elapsed + cal.between(clock.running_since, at)


def apply_due_times(
    session: Session,
    case: Case,
    at: datetime,
    cal: BusinessCalendar | None = None,
    clock: CaseClock | None = None,
) -> None:
    """Set the case's due times from its clock and its priority's targets."""
    cal = cal or business_calendar(session)
    clock = clock or _clock(session, case)
    target = targets(session)[case.priority]
    # Due times are computed from the point the clock reached: now if running, else its stop.
    if clock.running_since is not None:
        anchor = as_utc(clock.running_since)
    else:
        anchor = as_utc(clock.stopped_at) if clock.stopped_at else at
    case.first_response_due_at = _due(cal, clock, anchor, target.first_response_minutes)
    case.resolution_due_at = _due(cal, clock, anchor, target.resolution_minutes)
    case.due_at = current_due(case)


def current_due(case: Case) -> datetime | None:
    """The due time the board sorts on: first response until it is given, then resolution."""
    return case.resolution_due_at if case.first_response_at else case.first_response_due_at


def start(session: Session, case: Case, at: datetime) -> None:
    """A new case: the clock starts at its arrival."""
    clock = new_clock(session, case, at)
    clock.case_id = pk(case)
    session.add(clock)


def new_clock(session: Session, case: Case, at: datetime) -> CaseClock:
    """The clock of a case arriving at `at`, and its due times set on the case; the caller
    adds the clock once the case has an id. A case created in this transaction has no clock
    row yet: no SELECT to find that out."""
    at = as_utc(at)
    clock = CaseClock(case_id=case.id or 0, elapsed=0, running_since=at, stopped_at=None)
    apply_due_times(session, case, at, clock=clock)
    return clock


def stop(session: Session, case: Case, at: datetime) -> None:
    """Waiting for the client or closed: bank the business time used, keep the due times."""
    at = as_utc(at)
    cal = business_calendar(session)
    clock = _clock(session, case)
    if clock.running_since is not None:
        clock.elapsed = _elapsed_now(cal, clock, at)
        clock.running_since = None
        clock.stopped_at = at


def resume(session: Session, case: Case, at: datetime) -> None:
    """Back with us: the clock runs on from where it stopped, due times move by the pause."""
    at = as_utc(at)
    cal = business_calendar(session)
    clock = _clock(session, case)
    if clock.running_since is None:
        clock.running_since = at
        clock.stopped_at = None
        apply_due_times(session, case, at, cal)


def follow_state(session: Session, case: Case, old_state: str, at: datetime) -> None:
    """Start or stop the clock as a state change requires (called for every intake.lifecycle
    transition, by triage.casework.arrival.case_transitioned)."""
    was_stopped = old_state in STOPPED_STATES
    now_stopped = case.state in STOPPED_STATES
    if now_stopped and not was_stopped:
        stop(session, case, at)
    elif was_stopped and not now_stopped:
        resume(session, case, at)


def is_paused(session: Session, case: Case) -> bool:
    clock = session.get(CaseClock, case.id)
    return clock is not None and clock.running_since is None


def is_overdue(case: Case, at: datetime) -> bool:
    return (
        case.state not in STOPPED_STATES
        and case.due_at is not None
        and as_utc(case.due_at) <= at
    )


def business_minutes_used(session: Session, case: Case, at: datetime) -> int:
    """Business minutes the case has been with us by `at`: on its clock (pauses left out), or
    from its arrival when it has no clock."""
    cal = business_calendar(session)
    clock = session.get(CaseClock, case.id)
    if clock is None:
        return cal.between(as_utc(case.created_at), as_utc(at)) // 60
    return _elapsed_now(cal, clock, as_utc(at)) // 60


def used_business_seconds(session: Session, case: Case, at: datetime) -> int:
    clock = session.get(CaseClock, case.id)
    if clock is None:
        return 0
    return _elapsed_now(business_calendar(session), clock, at)


def expectation(session: Session, case: Case) -> Expectation:
    """What the client is told to expect: her priority's first-response target in working
    hours (under a working day) or days, and the day her case's due time falls on."""
    minutes = targets(session)[case.priority].first_response_minutes
    if minutes < DAY:
        return Expectation("hours", max(1, -(-minutes // 60)), due_day(case))
    return Expectation("days", -(-minutes // DAY), due_day(case))
