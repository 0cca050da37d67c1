"""The unfiltered figures read from daily tallies: the same definitions as figures.py's SQL.

figures.compute answers the dashboard's default view (a period, no other filter) here, from the
tallies rollup.read gives (stored days, and today and changed days counted on the spot); any
other view is counted from the rows in SQL. tests/triage/test_dashboard_rollup.py holds the two
to the same numbers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from triage.casework import sla
from triage.dashboard import figures as f
from triage.dashboard.rollup import Days, day_start
from triage.dashboard.tally import Tally, at_most, percentile


def figures(session: Session, filters: f.Filters, at: datetime, days: Days,
            targets: Mapping[str, sla.Target]) -> f.Figures:
    period = days.period
    demand, per_day, per_week, by_state, outcomes = _arrivals(filters, days)
    open_load = _load(days.every.values())
    return f.Figures(
        filters=filters,
        at=at,
        cases=sum(by_state.values()),
        first_response=_durations(period, "first"),
        resolution=_durations(period, "resolution"),
        first_response_compliance=_compliance(period, "first", targets, "first_response_minutes",
                                              at),
        resolution_compliance=_compliance(period, "resolution", targets, "resolution_minutes",
                                          at),
        breaches={t: sum(x.breaches.get(t, 0) for x in period) for t in f.TARGETS},
        backlog=_backlog(days.every.values(), at),
        by_state=by_state,
        outcomes=outcomes,
        per_day=per_day,
        per_week=per_week,
        advisors=_advisors(session, period, open_load),
        demand=demand,
        open_hours=f.open_hours_grid(session),
        by_municipality=f.municipality_rows(sum((x.areas for x in period), Counter())),
    )


def _arrivals(filters: f.Filters, days: Days) -> tuple[
        list[list[int]], list[tuple[Any, int]], list[tuple[Any, int]], dict[str, int],
        dict[str, int]]:
    hourly: Counter[datetime] = Counter()
    states: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    for day, t in days.period_days:
        start = day_start(day)
        for hour, n in enumerate(t.hours):
            if n:
                hourly[start + timedelta(hours=hour)] += n
        states.update(t.states)
        outcomes.update(t.outcomes)
    return f.place_arrivals(filters, hourly, states, outcomes)


def _lists(period: Sequence[Tally], name: str) -> tuple[list[Any], list[Any]]:
    """The business lists (one per day and priority) and calendar lists (one per day)."""
    business = [v for t in period for v in getattr(t, f"{name}_business").values() if v]
    calendar = [v for t in period if (v := getattr(t, f"{name}_calendar"))]
    return business, calendar


def _durations(period: Sequence[Tally], name: str) -> f.Durations:
    business, calendar = _lists(period, name)
    return f.Durations(sum(len(v) for v in calendar),
                       percentile(business, .5), percentile(business, .9),
                       percentile(calendar, .5), percentile(calendar, .9))


def _compliance(period: Sequence[Tally], name: str, targets: Mapping[str, sla.Target],
                attribute: str, at: datetime) -> f.Compliance:
    """Met: within the priority's current target (any other priority: normal's). Due: met or
    not, every answered (closed) case, and the running ones whose target has come."""
    normal = getattr(targets["normal"], attribute)
    met = sum(at_most(values, getattr(targets.get(priority), attribute, normal))
              for t in period for priority, values in getattr(t, f"{name}_business").items())
    done = sum(len(getattr(t, f"{name}_calendar")) for t in period)
    overdue = sum(at_most(getattr(t, f"{name}_due"), at.timestamp()) for t in period)
    return f.Compliance(met, done + overdue)


def _backlog(every: Iterable[Tally], at: datetime) -> dict[str, int]:
    """Open cases by calendar age, as figures._open_cases buckets them."""
    edges = [(at - timedelta(days=d)).timestamp() for d in (1, 3, 7)]
    backlog = dict.fromkeys(f.BACKLOG_BUCKETS, 0)
    for t in every:
        arrived = t.open_arrived
        if not arrived:
            continue
        upto = [at_most(arrived, edge) for edge in edges]
        backlog["under_1"] += len(arrived) - upto[0]
        backlog["1_3"] += upto[0] - upto[1]
        backlog["3_7"] += upto[1] - upto[2]
        backlog["over_7"] += upto[2]
    return backlog


def _load(every: Iterable[Tally]) -> dict[int, int]:
    load: Counter[int] = Counter()
    for t in every:
        load.update(t.open_by)
    return dict(load)


def _advisors(session: Session, period: Sequence[Tally], load: dict[int, int]
              ) -> list[f.AdvisorRow]:
    rows: dict[int, dict[str, Any]] = {a: {"open": n} for a, n in load.items()}
    lists: dict[int, tuple[list[Any], list[Any]]] = {}
    for t in period:
        for who, (business, calendar) in t.responded.items():
            mine = lists.setdefault(who, ([], []))
            if business:
                mine[0].append(business)
            mine[1].append(calendar)
    for who, (business_lists, calendar_lists) in lists.items():
        rows.setdefault(who, {}).update(
            responded=sum(len(v) for v in calendar_lists),
            business_median=percentile(business_lists, .5),
            calendar_median=percentile(calendar_lists, .5))
    return f.advisor_rows(session, rows)
