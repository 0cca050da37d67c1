"""Stored tallies per UTC day: counted by the `dashboard-rollup` job, read by the figures.

A stored day is used only while the database has not marked it changed (the triggers of
migrations/dashboard); today, every changed day and the hours a period cuts off a day are
counted on the spot from the case rows. So the figures read from tallies are the figures of the
rows themselves, at any moment, and a recount only makes them faster again.

Each day is recounted in its own short transaction that reads the day's change marks, counts
the day and deletes exactly the marks it read: a change committed meanwhile leaves a mark of
its own for the next run. Recounts take one lock (`serialise`), so two processes never store an
older count over a newer one.
"""

from __future__ import annotations

import secrets
import threading
import time as clock_time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Float, cast, delete, func, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from intake.models import Case
from triage.casework.models import SlaBreach
from triage.dashboard import tally
from triage.dashboard.models import DashboardChanged, DashboardDay
from yhteys.clock import as_utc, now
from yhteys.db import get_engine, is_postgres, serialise, table_of

LOCK_KEY = 0x7D15_0DA7  # serialise's key for recounts
ONE_DAY = timedelta(days=1)
LIVE_DAYS = 7  # more unstored days than this (besides today): the figures go to the raw rows


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


Rows = tuple[list, list]  # rows shaped as tally.ROW, and (arrival, target) of the breaches


def _epoch(column: Any) -> Any:
    return cast(func.extract("epoch", column), Float)


def _pg_columns() -> list[Any]:
    """tally.ROW computed by PostgreSQL: floats cross the wire faster than datetimes, and
    each is exact to the microsecond."""
    created = col(Case.created_at)
    return [_epoch(created), col(Case.state), col(Case.outcome), col(Case.area),
            col(Case.priority), col(Case.assignee_id),
            _epoch(col(Case.first_response_at) - created) / 60.0,
            col(Case.first_response_business_minutes), _epoch(col(Case.first_response_due_at)),
            _epoch(col(Case.closed_at) - created) / 60.0,
            col(Case.resolution_business_minutes), _epoch(col(Case.resolution_due_at))]


_SQLITE_COLUMNS = ("created_at", "state", "outcome", "area", "priority", "assignee_id",
                   "first_response_at", "first_response_business_minutes",
                   "first_response_due_at", "closed_at", "resolution_business_minutes",
                   "resolution_due_at")


def _seconds(value: datetime | None) -> float | None:
    return None if value is None else as_utc(value).timestamp()


def _sqlite_row(row: Sequence[Any]) -> tuple[Any, ...]:
    """tally.ROW from the stored values (SQLite's date functions round to the millisecond)."""
    (created, state, outcome, area, priority, assignee, first_at, first_biz, first_due,
     closed_at, closing_biz, closing_due) = row
    arrived = as_utc(created)
    return (arrived.timestamp(), state, outcome, area, priority, assignee,
            None if first_at is None else (as_utc(first_at) - arrived).total_seconds() / 60,
            first_biz, _seconds(first_due),
            None if closed_at is None else (as_utc(closed_at) - arrived).total_seconds() / 60,
            closing_biz, _seconds(closing_due))


def fetch(session: Session, start: datetime, end: datetime) -> Rows:
    """The rows a tally counts, of the cases that arrived in [start, end), not merged away."""
    where = [col(Case.created_at) >= start, col(Case.created_at) < end,
             col(Case.merged_into_id).is_(None)]
    breached = (select(col(Case.created_at), col(SlaBreach.target))
                .join(Case, col(Case.id) == col(SlaBreach.case_id)).where(*where))
    if is_postgres(session):
        return (list(session.execute(select(*_pg_columns()).where(*where)).all()),
                list(session.execute(breached.with_only_columns(
                    _epoch(col(Case.created_at)), col(SlaBreach.target))).all()))
    columns = [getattr(Case, name) for name in _SQLITE_COLUMNS]
    return ([_sqlite_row(r) for r in session.execute(select(*columns).where(*where))],
            [(as_utc(at).timestamp(), target) for at, target in session.execute(breached)])


def count_range(session: Session, start: datetime, end: datetime) -> dict[date, tally.Tally]:
    """Tallies of the cases that arrived in [start, end), not merged away."""
    return tally.count(*fetch(session, start, end))


def _within(rows: Rows, start: datetime, end: datetime) -> Rows:
    first, last = start.timestamp(), end.timestamp()
    cases, breaches = rows
    return ([r for r in cases if first <= r[0] < last],
            [b for b in breaches if first <= b[0] < last])


# --- Recounting (the job) -------------------------------------------------------------------------


def recount_day(session: Session, day: date) -> None:
    """Count one UTC day again and store it, clearing the change marks this count covers."""
    serialise(session, LOCK_KEY)
    marks = list(session.scalars(select(col(DashboardChanged.id))
                                 .where(col(DashboardChanged.day) == day)))
    counted = count_range(session, day_start(day), day_start(day + timedelta(days=1)))
    values = {"day": day, "version": tally.VERSION, "counted_at": now(),
              "stamp": secrets.token_hex(16),
              "tally": tally.dumps(counted.get(day, tally.Tally()))}
    table = table_of(DashboardDay)
    insert = (pg_insert if is_postgres(session) else sqlite_insert)(table).values(**values)
    session.execute(insert.on_conflict_do_update(
        index_elements=[table.c.day], set_={k: v for k, v in values.items() if k != "day"}))
    for start in range(0, len(marks), 500):
        session.execute(delete(DashboardChanged)
                        .where(col(DashboardChanged.id).in_(marks[start:start + 500])))
    session.commit()


def days_to_count(session: Session, today: date) -> list[date]:
    """Past UTC days with cases whose tally is missing, of another version, or marked changed:
    the most recent first (they are the ones the dashboard reads most)."""
    first = session.scalar(select(func.min(col(Case.created_at))))
    stored = {d for d, v in session.execute(
        select(col(DashboardDay.day), col(DashboardDay.version))).all() if v == tally.VERSION}
    # A changed day may hold no case any more (its only one deleted): counted, it is empty.
    found = {d for d in session.scalars(select(col(DashboardChanged.day)).distinct())
             if d < today}
    if first is not None:
        found.update(d for d in _days(as_utc(first).date(), today - timedelta(days=1))
                     if d not in stored)
    return sorted(found, reverse=True)


def run(seconds: float = 20.0, at: datetime | None = None) -> int:
    """Recount the days that need it, for at most about `seconds`; how many were recounted."""
    today = (at or now()).astimezone(UTC).date()
    deadline = clock_time.monotonic() + seconds
    with Session(get_engine()) as session:
        todo = days_to_count(session, today)
        session.rollback()
        done = 0
        for day in todo:
            if clock_time.monotonic() > deadline:
                break
            recount_day(session, day)
            done += 1
    return done


# --- Reading (the figures) -----------------------------------------------------------------------


@dataclass(frozen=True)
class Days:
    """Every case's tally by UTC day (for what is open now), and the period's own (the cases
    that arrived in the period: whole days, and the cut-off hours at its ends)."""

    every: dict[date, tally.Tally]
    period: list[tally.Tally]
    period_days: list[tuple[date, tally.Tally]]


WHOLE_DAYS = 400  # whole tallies a process keeps in memory; other days keep their open cases


class _Memory:
    """The stored tallies a process has read, by day and stamp, so a view reads from the
    database only the days counted again since. Only the most recently used WHOLE_DAYS keep
    everything; the others keep their open cases, all a view needs of a day outside its period
    (at a million cases: about 60 MiB for the whole history, 10 for its open cases)."""

    def __init__(self) -> None:
        self._whole: OrderedDict[date, tuple[str, tally.Tally]] = OrderedDict()
        self._open: dict[date, tuple[str, tally.Tally]] = {}
        self._lock = threading.Lock()

    def get(self, day: date, stamp: str, whole: bool) -> tally.Tally | None:
        with self._lock:
            entry = self._whole.get(day)
            if entry is not None and entry[0] == stamp:
                self._whole.move_to_end(day)
                return entry[1]
            entry = None if whole else self._open.get(day)
            return entry[1] if entry is not None and entry[0] == stamp else None

    def put(self, day: date, stamp: str, found: tally.Tally, whole: bool) -> tally.Tally:
        """Keep a tally read from the database; what is kept (all of it, or its open cases)."""
        with self._lock:
            if not whole:
                kept = tally.open_only(found)
                self._open[day] = (stamp, kept)
                return kept
            self._open.pop(day, None)
            self._whole[day] = (stamp, found)
            while len(self._whole) > WHOLE_DAYS:
                old_day, (old_stamp, old) = self._whole.popitem(last=False)
                self._open[old_day] = (old_stamp, tally.open_only(old))
            return found

    def clear(self) -> None:
        with self._lock:
            self._whole.clear()
            self._open.clear()


memory = _Memory()


def _stored(session: Session, whole: set[date], rest: set[date]) -> dict[date, tally.Tally]:
    """The stored tallies of the `whole` days, and of the `rest` at least their open cases."""
    wanted = whole | rest
    stamps = {d: (v, stamp) for d, v, stamp in session.execute(
        select(col(DashboardDay.day), col(DashboardDay.version), col(DashboardDay.stamp))
        .where(col(DashboardDay.day).in_(wanted) if len(wanted) < 1000 else true())).all()}
    found: dict[date, tally.Tally] = {}
    missing = []
    for day in wanted:
        version, stamp = stamps.get(day, (None, ""))
        if version != tally.VERSION:
            continue
        remembered = memory.get(day, stamp, day in whole)
        if remembered is not None:
            found[day] = remembered
        else:
            missing.append(day)
    for start in range(0, len(missing), 200):
        chunk = missing[start:start + 200]
        for day, stamp, data in session.execute(
                select(col(DashboardDay.day), col(DashboardDay.stamp),
                       col(DashboardDay.tally)).where(col(DashboardDay.day).in_(chunk))).all():
            loaded = tally.loads(data)
            if loaded is not None:
                found[day] = memory.put(day, stamp, loaded, day in whole)
    return found


def read(session: Session, since: datetime, until: datetime, at: datetime) -> Days | None:
    """The tallies for a period [since, until) and for every open case, or None when too many
    days are not stored yet (right after an upgrade, before the job has counted them)."""
    first, last = session.execute(select(func.min(col(Case.created_at)),
                                         func.max(col(Case.created_at)))).one()
    today = at.astimezone(UTC).date()
    if first is None:
        return Days({}, [], [])
    # No case arrived after the newest one: the days after it hold nothing to count.
    all_days = _days(as_utc(first).date(), as_utc(last).date())
    changed = set(session.scalars(select(col(DashboardChanged.day))
                                  .where(col(DashboardChanged.day) < today).distinct()))
    storable = {d for d in all_days if d < today and d not in changed}
    whole = {d for d in storable if since <= day_start(d) and day_start(d) + ONE_DAY <= until}
    stored = _stored(session, whole, storable - whole)
    live = [d for d in all_days if d not in stored]
    if len([d for d in live if d < today]) > LIVE_DAYS:
        return None
    every = dict(stored)
    fetched: dict[date, Rows] = {}
    for start, end in _runs(live):
        rows = fetch(session, day_start(start), day_start(end + timedelta(days=1)))
        every.update(tally.count(*rows))
        fetched.update({day: rows for day in _days(start, end)})
    period_days: list[tuple[date, tally.Tally]] = []
    for day in _days(since.date(), (until - timedelta(microseconds=1)).date()):
        start, end = max(since, day_start(day)), min(until, day_start(day + timedelta(days=1)))
        if (start, end) == (day_start(day), day_start(day + timedelta(days=1))):
            part = every.get(day)
        elif day not in fetched:  # a stored day the period cuts: its hours in the period
            part = count_range(session, start, end).get(day)
        else:
            inside = _within(fetched[day], start, end)
            of_day = sum(1 for r in fetched[day][0] if tally.utc_day(r[0]) == day)
            # Today ends inside the period: its count so far is the period's part.
            part = every.get(day) if len(inside[0]) == of_day else tally.count(*inside).get(day)
        period_days.append((day, part or tally.Tally()))
    return Days(every, [t for _, t in period_days], period_days)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) runs, to count each run in one query."""
    runs: list[tuple[date, date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


__all__ = ["Days", "count_range", "days_to_count", "read", "recount_day", "run"]

