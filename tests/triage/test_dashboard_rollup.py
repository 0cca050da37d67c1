"""The daily tallies give the figures the rows give, stored or not, before and after changes.

A few hundred cases with random states, priorities, answers, closings, assignees, areas, merges
and breaches over ten weeks; the figures counted from the rows in SQL (figures.compute with
tallies=False) are the reference, and the tallies (stored by the job, or counted on the spot for
today and for days changed since) must give the same, for periods that start and end in the
middle of a UTC day, and as of different instants.
"""

from __future__ import annotations

import random
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, update
from sqlmodel import Session, col

from intake.models import Case
from tests.triage.casework_factories import case_row
from triage.casework.models import SlaBreach
from triage.dashboard import rollup, tally
from triage.dashboard.figures import Filters, compute, percentile
from triage.dashboard.models import DashboardChanged, DashboardDay
from yhteys.db import get_engine

NOW = datetime(2026, 3, 31, 12, 30, tzinfo=UTC)  # Helsinki summer time starts 29.3.
STATES = ["new", "assigned", "in_progress", "waiting_client", "closed"]
AREAS = ["091", "049", "588", "not_said", "", "Kallio by the sea"]


@pytest.fixture
def cases(clock, make_staff):  # noqa: ANN001, ANN201
    clock(2026, 3, 31, 12, 30)
    staff = [make_staff(display_name=f"Advisor {i}").id for i in range(3)]
    rng = random.Random(7)
    with Session(get_engine()) as db:
        rows = []
        for _ in range(300):
            created = NOW - timedelta(minutes=rng.randrange(0, 70 * 24 * 60),
                                      microseconds=rng.randrange(10**6))
            state = rng.choice(STATES)
            priority = rng.choice(["urgent", "high", "normal", "normal"])
            answered = state != "new" and rng.random() < .8
            first_at = created + timedelta(minutes=rng.randrange(5, 5000)) if answered else None
            closed_at = (first_at or created) + timedelta(hours=rng.randrange(1, 300))
            rows.append(case_row(
                created_at=created, updated_at=created, state=state, priority=priority,
                assignee_id=None if state == "new" else rng.choice(staff),
                area=rng.choice(AREAS),
                first_response_at=first_at,
                first_response_business_minutes=(rng.randrange(1, 3000)
                                                 if answered and rng.random() < .9 else None),
                first_response_due_at=created + timedelta(hours=rng.choice([4, 24, 48])),
                resolution_due_at=created + timedelta(days=rng.choice([2, 7, 14])),
                closed_at=closed_at if state == "closed" else None,
                outcome=rng.choice(["advised", "not_reachable", ""]) if state == "closed" else "",
                resolution_business_minutes=(rng.randrange(10, 9000)
                                             if state == "closed" else None)))
        db.add_all(rows)
        db.flush()
        for row in rows[:20]:
            row.merged_into_id = rows[-1].id
        for row in rows[20:80:3]:
            db.add(SlaBreach(case_id=row.id, target=rng.choice(["first_response", "resolution"]),
                             due_at=row.created_at))
        db.commit()
        return [r.id for r in rows]


def close(a, b) -> bool:  # noqa: ANN001
    """Equal, floats to a millionth of a minute (SQL and Python round apart)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-9, abs=1e-6)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def same(a, b) -> None:  # noqa: ANN001
    left, right = asdict(a), asdict(b)
    for name in left:
        assert close(left[name], right[name]), (name, left[name], right[name])


def both(filters: Filters, at: datetime) -> None:
    with Session(get_engine()) as db:
        assert rollup.read(db, filters.since, filters.until, at) is not None
        same(compute(db, filters, at), compute(db, filters, at, tallies=False))


PERIODS = [Filters.default(date(2026, 3, 31)), Filters(date(2026, 2, 1), date(2026, 3, 1)),
           Filters(date(2026, 1, 1), date(2026, 3, 31)),
           Filters(date(2026, 3, 29), date(2026, 3, 29))]


@pytest.mark.parametrize("filters", PERIODS, ids=["default", "february", "all", "dst-day"])
def test_stored_tallies_give_the_figures_of_the_rows(cases, filters) -> None:  # noqa: ANN001
    assert rollup.run() > 60
    for at in (NOW, NOW - timedelta(days=3, hours=5), NOW + timedelta(days=9)):
        both(filters, at)


def test_unstored_days_go_to_the_rows_until_the_job_has_counted_them(cases) -> None:  # noqa: ANN001
    with Session(get_engine()) as db:
        filters = Filters.default(date(2026, 3, 31))
        assert rollup.read(db, filters.since, filters.until, NOW) is None
        assert db.scalar(select(func.count()).select_from(DashboardChanged)) >= 300
    rollup.run()
    with Session(get_engine()) as db:  # today's marks wait until today is past and counted
        assert set(db.scalars(select(col(DashboardChanged.day)))) == {NOW.date()}
        assert rollup.days_to_count(db, NOW.date()) == []


def test_every_kind_of_change_marks_its_day_and_the_figures_follow(cases) -> None:  # noqa: ANN001
    rollup.run()
    filters = Filters(date(2026, 1, 20), date(2026, 3, 31))
    with Session(get_engine()) as db:
        old = db.scalars(select(Case).where(col(Case.created_at) < NOW - timedelta(days=10),
                                            col(Case.merged_into_id).is_(None))
                         .order_by(col(Case.id)).limit(6)).all()
        days = {c.created_at.astimezone(UTC).date() for c in old}
        ids = [c.id for c in old]
        db.execute(update(Case).where(col(Case.id) == ids[0]).values(
            state="closed", closed_at=NOW, outcome="advised", resolution_business_minutes=77))
        db.execute(update(Case).where(col(Case.id) == ids[1]).values(
            state="in_progress", first_response_at=NOW, first_response_business_minutes=5,
            assignee_id=None))
        db.execute(update(Case).where(col(Case.id) == ids[2]).values(merged_into_id=ids[3]))
        db.execute(update(Case).where(col(Case.id) == ids[3]).values(priority="urgent",
                                                                    area="not_said"))
        db.execute(delete(SlaBreach).where(col(SlaBreach.case_id) == ids[4]))
        db.add(SlaBreach(case_id=ids[4], target="resolution", due_at=NOW))
        db.execute(delete(Case).where(col(Case.id) == ids[5]))
        db.commit()
        changed = set(db.scalars(select(col(DashboardChanged.day))))
    assert days <= changed
    both(filters, NOW)  # the changed days counted from the rows
    with Session(get_engine()) as db:
        assert set(rollup.days_to_count(db, NOW.date())) == days
    assert rollup.run() == len(days)
    both(filters, NOW)  # and stored again


def test_a_column_the_figures_do_not_read_marks_nothing(cases) -> None:  # noqa: ANN001
    rollup.run()
    with Session(get_engine()) as db:
        marks = db.scalar(select(func.count()).select_from(DashboardChanged))
        db.execute(update(Case).where(col(Case.id) == cases[100]).values(name="Someone else"))
        db.commit()
        assert db.scalar(select(func.count()).select_from(DashboardChanged)) == marks


def test_a_stored_tally_keeps_no_typed_place(cases) -> None:  # noqa: ANN001
    rollup.run()
    with Session(get_engine()) as db:
        stored = db.scalars(select(col(DashboardDay.tally))).all()
        dumped = b"".join(stored)
        assert b"Kallio" not in dumped
        areas = sum((tally.loads(data).areas for data in stored), tally.Counter())
    assert set(areas) <= {"091", "049", "507", "not_said", ""}  # 588 (Pertunmaa) is 507 now
    assert areas["507"] > 0


def test_counting_a_day_again_replaces_its_row(cases) -> None:  # noqa: ANN001
    rollup.run()
    with Session(get_engine()) as db:
        day = db.scalar(select(col(DashboardDay.day)))
        rollup.recount_day(db, day)
        rollup.recount_day(db, day)
        assert db.scalar(select(func.count()).select_from(DashboardDay)
                         .where(col(DashboardDay.day) == day)) == 1


@pytest.mark.parametrize("sort_below", [0, tally.SORT_BELOW])
@pytest.mark.parametrize("seed", range(25))
def test_percentiles_across_sorted_lists_equal_one_sorted_list(seed: int, sort_below: int,
                                                                monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(tally, "SORT_BELOW", sort_below)
    rng = random.Random(seed)
    lists = [sorted(rng.choice([rng.random() * 100, float(rng.randrange(5))])
                    for _ in range(rng.randrange(0, 30))) for _ in range(rng.randrange(1, 8))]
    flat = [v for values in lists for v in values]
    for q in (0, .1, .5, .9, 1):
        assert tally.percentile(lists, q) == pytest.approx(percentile(flat, q))
    for k in range(len(flat)):
        assert tally.nth(lists, k) == sorted(flat)[k]


def test_a_day_whose_cases_are_all_gone_is_counted_empty(cases) -> None:  # noqa: ANN001
    rollup.run()
    with Session(get_engine()) as db:
        first = db.scalar(select(func.min(col(Case.created_at))))
        day = first.astimezone(UTC).date()
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        db.execute(delete(Case).where(col(Case.created_at) < start + timedelta(days=1)))
        db.commit()
        assert day in rollup.days_to_count(db, NOW.date())
    rollup.run()
    with Session(get_engine()) as db:
        assert rollup.days_to_count(db, NOW.date()) == []
        stored = db.scalar(select(col(DashboardDay.tally)).where(col(DashboardDay.day) == day))
        assert tally.loads(stored).cases == 0
    both(Filters(date(2026, 1, 1), date(2026, 3, 31)), NOW)


def test_a_process_keeps_few_whole_days_and_still_answers_every_period(cases, monkeypatch) -> None:  # noqa: ANN001, E501
    monkeypatch.setattr(rollup, "WHOLE_DAYS", 3)
    rollup.memory.clear()
    rollup.run()
    for filters in [*PERIODS, *PERIODS]:  # the second round reads days the first one stripped
        both(filters, NOW)
    assert len(rollup.memory._whole) == 3
