"""The supervisors' figures for a period: response times, compliance, backlog, demand.

`compute(session, filters, at)` answers everything the dashboard (and the figures export) shows,
as plain dataclasses. Every figure reads only fields that anonymisation keeps (intake/retention.py
and triage/retention.py: kind, language, priority, team, contact channel, state, outcome,
assignee, the timestamps, the stored business minutes, the SLA clock and the breach rows), so a
period's figures do not change when its cases are anonymised.

Definitions (the page shows them in words; the tests compute them by hand):
- the cohort: cases that arrived in the period (Helsinki dates, both ends included), not merged
  into another case, matching the filters;
- first response: the first advisor reply or logged call to the client (intake.lifecycle), in
  business minutes on the case's SLA clock (stored when it was given) and in calendar minutes;
- resolution: arrival to closing, business minutes on the SLA clock (stored when the case
  closed) and calendar minutes; closed cases only;
- median and 90th percentile: linear interpolation between the closest ranks (PostgreSQL's
  percentile_cont);
- compliance: of the cases whose target has come (answered, or still running past the due time),
  the share answered within the priority's current target;
- backlog: cases open now (not closed, not merged), by calendar age;
- by municipality: the cohort by the municipality code she chose (or "I'd rather not say"); an
  area that is no code (none given, text typed before areas were a choice) counts as none.
  Anonymisation empties the area, so an anonymised case counts as none too.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, literal_column, or_, select, text
from sqlmodel import Session, col

from intake import municipalities
from intake.hours.store import load_schedule
from intake.models import CHANNELS, KINDS, OUTCOMES, PRIORITIES, STATES, Case
from triage.accounts.models import StaffUser
from triage.casework import sla
from triage.casework.models import SlaBreach
from triage.dashboard.tally import area_key
from yhteys.clock import HELSINKI, as_utc, now
from yhteys.db import is_postgres

DEFAULT_DAYS = 30
MAX_DAYS = 731
RUNNING_STATES = ("new", "assigned", "in_progress")
BACKLOG_BUCKETS = ("under_1", "1_3", "3_7", "over_7")  # calendar days since arrival
HEAT_CHANNEL = "chat"
TARGETS = ("first_response", "resolution")


# --- Filters --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """The period (Helsinki dates, both included) and the optional filters; blank means all."""

    start: date
    end: date
    team: int | None = None
    kind: str = ""
    language: str = ""
    priority: str = ""
    channel: str = ""
    municipality: str = ""  # a municipality code, or municipalities.NOT_SAID

    @classmethod
    def default(cls, today: date) -> Filters:
        return cls(start=today - timedelta(days=DEFAULT_DAYS - 1), end=today)

    @classmethod
    def read(cls, params: Mapping[str, str], today: date) -> Filters:
        """From a query string; anything unknown or malformed falls back to the default."""
        base = cls.default(today)
        start = _day(params.get("start")) or base.start
        end = _day(params.get("end")) or base.end
        if end < start:
            start, end = end, start
        start = max(start, end - timedelta(days=MAX_DAYS - 1))
        team = params.get("team", "")
        return cls(
            start=start,
            end=end,
            team=int(team) if team.isdigit() and len(team) < 10 else None,
            kind=_one_of(params.get("kind"), KINDS),
            language=_short(params.get("language")),
            priority=_one_of(params.get("priority"), PRIORITIES),
            channel=_one_of(params.get("channel"), CHANNELS),
            municipality=_municipality(params.get("municipality")),
        )

    @property
    def unfiltered(self) -> bool:
        """Only a period: the view the stored daily tallies answer (triage.dashboard.rollup)."""
        return self == Filters(self.start, self.end)

    def params(self) -> dict[str, str]:
        """The query-string values that give these filters back (blank ones left out)."""
        values = {"start": self.start.isoformat(), "end": self.end.isoformat(),
                  "team": "" if self.team is None else str(self.team), "kind": self.kind,
                  "language": self.language, "priority": self.priority,
                  "channel": self.channel, "municipality": self.municipality}
        return {k: v for k, v in values.items() if v}

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(0), tzinfo=HELSINKI).astimezone(UTC)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(0),
                                tzinfo=HELSINKI).astimezone(UTC)


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _one_of(value: str | None, allowed: Sequence[str]) -> str:
    return value if value is not None and value in allowed else ""


def _municipality(value: str | None) -> str:
    value = (value or "").strip()
    if value == municipalities.NOT_SAID:
        return value
    found = municipalities.by_code(value) if len(value) == 3 else None
    return found.code if found is not None else ""


def _short(value: str | None) -> str:
    value = (value or "").strip()
    return value if value.isalpha() and len(value) <= 8 else ""


# --- The figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Durations:
    """Minutes from arrival: median and 90th percentile, in business and calendar time."""

    count: int = 0
    business_median: float | None = None
    business_p90: float | None = None
    calendar_median: float | None = None
    calendar_p90: float | None = None


@dataclass(frozen=True)
class Compliance:
    met: int = 0
    due: int = 0

    @property
    def percent(self) -> float | None:
        return 100 * self.met / self.due if self.due else None


@dataclass(frozen=True)
class AdvisorRow:
    staff_id: int
    name: str
    open: int = 0
    responded: int = 0
    business_median: float | None = None
    calendar_median: float | None = None


@dataclass(frozen=True)
class Figures:
    filters: Filters
    at: datetime
    cases: int
    first_response: Durations
    resolution: Durations
    first_response_compliance: Compliance
    resolution_compliance: Compliance
    breaches: dict[str, int]
    backlog: dict[str, int]
    by_state: dict[str, int]
    outcomes: dict[str, int]
    per_day: list[tuple[date, int]]
    per_week: list[tuple[date, int]]  # the Monday of each ISO week touching the period
    advisors: list[AdvisorRow]
    demand: list[list[int]]  # [weekday Monday=0][hour 0-23], Helsinki time
    open_hours: list[list[bool]] = field(default_factory=list)  # the chat's weekly hours
    # (municipality code, NOT_SAID or "" for none, cases), most cases first
    by_municipality: list[tuple[str, int]] = field(default_factory=list)

    @property
    def demand_max(self) -> int:
        return max((n for row in self.demand for n in row), default=0)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between the closest ranks (as PostgreSQL's percentile_cont)."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def compute(session: Session, filters: Filters, at: datetime | None = None,
            tallies: bool = True) -> Figures:
    """Every figure of the dashboard for `filters`, as of the instant `at` (default: now).

    The unfiltered view is read from the daily tallies (triage.dashboard.rollup) when they are
    stored, unless `tallies` is false; the same figures, as the tests hold them.

    Five queries, each one pass over the period's cases (or the open ones) in the narrow
    `ix_case_stats_*` indexes: the counts by hour, state and outcome; first responses and
    resolutions; breaches; the open cases by assignee and age; the first responses by assignee.
    """
    at = as_utc(at) if at is not None else now()
    targets = sla.targets(session)
    if tallies and filters.unfiltered:
        from triage.dashboard import rollup, tallied  # they build on this module's figures

        days = rollup.read(session, filters.since, filters.until, at)
        if days is not None:
            return tallied.figures(session, filters, at, days, targets)
    demand, per_day, per_week, by_state, outcomes = _arrivals(session, filters)
    if is_postgres(session):
        # The percentiles sort the period's cases: in memory, not in temporary files.
        session.execute(text("SET LOCAL work_mem = '64MB'"))
    (first, first_met), (resolution, resolution_met) = _responses(session, filters, targets, at)
    backlog, open_load = _open_cases(session, filters, at)
    return Figures(
        filters=filters,
        at=at,
        cases=sum(by_state.values()),
        first_response=first,
        resolution=resolution,
        first_response_compliance=first_met,
        resolution_compliance=resolution_met,
        breaches=_breaches(session, filters),
        backlog=backlog,
        by_state=by_state,
        outcomes=outcomes,
        per_day=per_day,
        per_week=per_week,
        advisors=_advisors(session, filters, open_load),
        demand=demand,
        open_hours=open_hours_grid(session),
        by_municipality=_by_municipality(session, filters),
    )


# --- Queries --------------------------------------------------------------------------------------


def _matching(filters: Filters) -> list[ColumnElement[bool]]:
    """The filters other than the period, and never a case merged into another."""
    where: list[ColumnElement[bool]] = [col(Case.merged_into_id).is_(None)]
    if filters.team is not None:
        where.append(col(Case.team_id) == filters.team)
    for name in ("kind", "language", "priority"):
        if getattr(filters, name):
            where.append(getattr(Case, name) == getattr(filters, name))
    if filters.channel:
        where.append(col(Case.contact_channel) == filters.channel)
    if filters.municipality:
        where.append(col(Case.area).in_(municipalities.codes_within(filters.municipality)))
    return where


def cohort(filters: Filters) -> list[ColumnElement[bool]]:
    """The cases the figures count: arrived in the period, matching the filters, not merged
    away (the breach list reads the same ones)."""
    # Bound as UTC: SQLite compares the stored UTC text.
    return [col(Case.created_at) >= filters.since, col(Case.created_at) < filters.until,
            *_matching(filters)]


def _minutes(session: Session, later: Any, earlier: Any) -> Any:
    if is_postgres(session):
        return func.extract("epoch", later - earlier) / 60.0
    return (func.julianday(later) - func.julianday(earlier)) * 1440.0


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class _Measure:
    """One duration figure: which rows count, their business and calendar minutes, and when a
    row met its target and when its target was due."""

    counted: Any
    business: Any
    calendar: Any
    met: Any
    due: Any


def _measured(session: Session, measures: Sequence[_Measure],
              where: list[ColumnElement[bool]]) -> list[tuple[Durations, Compliance]]:
    """Median, 90th percentile and compliance of each measure over the same rows, in one pass:
    percentile_cont on PostgreSQL, the same interpolation in Python on SQLite."""
    columns: list[Any] = []
    for m in measures:
        columns += [case((m.counted, m.business)), case((m.counted, m.calendar)),
                    case((and_(m.due, m.met), 1), else_=0), case((m.due, 1), else_=0)]
    if is_postgres(session):
        aggregates: list[Any] = []
        for business, calendar, met, due in zip(*[iter(columns)] * 4, strict=True):
            aggregates += [func.count(calendar),
                           func.percentile_cont(0.5).within_group(business),
                           func.percentile_cont(0.9).within_group(business),
                           func.percentile_cont(0.5).within_group(calendar),
                           func.percentile_cont(0.9).within_group(calendar),
                           func.sum(met), func.sum(due)]
        row = session.execute(select(*aggregates).where(*where)).one()
        found = []
        for n, bm, b90, cm, c90, met_n, due_n in zip(*[iter(row)] * 7, strict=True):
            found.append((Durations(int(n), _num(bm), _num(b90), _num(cm), _num(c90)),
                          Compliance(int(met_n or 0), int(due_n or 0))))
        return found
    rows = session.execute(select(*columns).where(*where)).all()
    found = []
    for i in range(len(measures)):
        biz = [float(r[4 * i]) for r in rows if r[4 * i] is not None]
        cal = [float(r[4 * i + 1]) for r in rows if r[4 * i + 1] is not None]
        found.append((Durations(len(cal), percentile(biz, .5), percentile(biz, .9),
                                percentile(cal, .5), percentile(cal, .9)),
                      Compliance(sum(r[4 * i + 2] for r in rows),
                                 sum(r[4 * i + 3] for r in rows))))
    return found


def _target_of(targets: Mapping[str, sla.Target], attribute: str) -> Any:
    return case(
        *[(col(Case.priority) == p, literal(getattr(t, attribute))) for p, t in targets.items()],
        else_=literal(getattr(targets["normal"], attribute)),
    )


def _responses(session: Session, filters: Filters, targets: Mapping[str, sla.Target],
               at: datetime) -> list[tuple[Durations, Compliance]]:
    """First response and resolution: durations and compliance, in one pass over the cohort."""
    answered = col(Case.first_response_at).is_not(None)
    first_overdue = and_(col(Case.first_response_at).is_(None),
                         col(Case.state).in_(RUNNING_STATES),
                         col(Case.first_response_due_at) <= at)
    first_minutes = col(Case.first_response_business_minutes)
    closed = and_(col(Case.state) == "closed", col(Case.closed_at).is_not(None))
    closing_overdue = and_(col(Case.state).in_(RUNNING_STATES),
                           col(Case.resolution_due_at) <= at)
    closing_minutes = col(Case.resolution_business_minutes)
    return _measured(session, [
        _Measure(answered, first_minutes,
                 _minutes(session, col(Case.first_response_at), col(Case.created_at)),
                 and_(answered, first_minutes <= _target_of(targets, "first_response_minutes")),
                 or_(answered, first_overdue)),
        _Measure(closed, closing_minutes,
                 _minutes(session, col(Case.closed_at), col(Case.created_at)),
                 and_(closed, closing_minutes <= _target_of(targets, "resolution_minutes")),
                 or_(closed, closing_overdue)),
    ], cohort(filters))


def _breaches(session: Session, filters: Filters) -> dict[str, int]:
    """Targets missed on the cohort's cases (recorded by the SLA check, kept on anonymisation)."""
    stmt = (select(col(SlaBreach.target), func.count())
            .join(Case, col(Case.id) == col(SlaBreach.case_id))
            .where(*cohort(filters)).group_by(col(SlaBreach.target)))
    found = {target: 0 for target in TARGETS}
    found.update({t: int(n) for t, n in session.execute(stmt).all() if t in found})
    return found


def _open_cases(session: Session, filters: Filters, at: datetime
                ) -> tuple[dict[str, int], dict[int, int]]:
    """The open cases now: by age (the backlog) and by assignee (their load), in one pass."""
    edges = [at - timedelta(days=d) for d in (1, 3, 7)]
    created = col(Case.created_at)
    bucket = [created > edges[0], and_(created <= edges[0], created > edges[1]),
              and_(created <= edges[1], created > edges[2]), created <= edges[2]]
    assignee = col(Case.assignee_id)
    stmt = (select(assignee, *[func.sum(case((b, 1), else_=0)) for b in bucket])
            .where(col(Case.state) != "closed", *_matching(filters)).group_by(assignee))
    backlog = dict.fromkeys(BACKLOG_BUCKETS, 0)
    load: dict[int, int] = {}
    for who, *counts in session.execute(stmt).all():
        for name, n in zip(BACKLOG_BUCKETS, counts, strict=True):
            backlog[name] += int(n or 0)
        if who is not None:
            load[int(who)] = sum(int(n or 0) for n in counts)
    return backlog, load


def _arrivals(session: Session, filters: Filters) -> tuple[
        list[list[int]], list[tuple[date, int]], list[tuple[date, int]], dict[str, int],
        dict[str, int]]:
    """The cohort counted per UTC hour, state and outcome in SQL, then placed."""
    created = col(Case.created_at)
    # date_bin cuts whole UTC hours by arithmetic, where date_trunc converts every row to the
    # session's time zone and back (a third of the statement's time at a million cases).
    hour = (func.date_bin(literal_column("interval '1 hour'"), created,
                          literal_column("timestamptz '2000-01-01 00:00+00'"))
            if is_postgres(session) else func.strftime("%Y-%m-%d %H:00:00", created))
    state, outcome = col(Case.state), col(Case.outcome)
    rows = session.execute(select(hour, state, outcome, func.count()).where(*cohort(filters))
                           .group_by(hour, state, outcome)).all()
    hourly: Counter[datetime] = Counter()
    states: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    for value, in_state, result, n in rows:
        hourly[as_utc(value if isinstance(value, datetime) else datetime.fromisoformat(value))] += n
        states[in_state] += int(n)
        if in_state == "closed":
            outcomes[result or ""] += int(n)
    return place_arrivals(filters, hourly, states, outcomes)


def place_arrivals(filters: Filters, hourly: Mapping[datetime, int], states: Counter[str],
                   outcomes: Counter[str]) -> tuple[list[list[int]], list[tuple[date, int]],
                                                    list[tuple[date, int]], dict[str, int],
                                                    dict[str, int]]:
    """Arrivals per UTC hour placed on Helsinki days, weeks and hours of the week (Helsinki's
    offset is whole hours: an hour maps to one local hour); the states and outcomes known first."""
    demand = [[0] * 24 for _ in range(7)]
    days: Counter[date] = Counter()
    for instant, n in hourly.items():
        local = instant.astimezone(HELSINKI)
        demand[local.weekday()][local.hour] += int(n)
        days[local.date()] += int(n)
    per_day = []
    day = filters.start
    while day <= filters.end:
        per_day.append((day, days[day]))
        day += timedelta(days=1)
    weeks: Counter[date] = Counter()
    for day, n in per_day:
        weeks[day - timedelta(days=day.weekday())] += n
    return (demand, per_day, sorted(weeks.items()), _known(states, STATES),
            _known(outcomes, OUTCOMES))


def _known(counts: Counter[str], known: Sequence[str]) -> dict[str, int]:
    """Every known value (zero when absent), then any other value that occurs."""
    found = {k: counts.get(k, 0) for k in known}
    found.update({k: n for k, n in counts.items() if k not in found and n})
    return found


def _advisors(session: Session, filters: Filters, load: dict[int, int]) -> list[AdvisorRow]:
    """Open cases held now, and first-response times of the cohort's cases, per assignee."""
    assignee = col(Case.assignee_id)
    rows: dict[int, dict[str, Any]] = {a: {"open": n} for a, n in load.items()}
    business = col(Case.first_response_business_minutes)
    calendar = _minutes(session, col(Case.first_response_at), col(Case.created_at))
    where = [*cohort(filters), col(Case.first_response_at).is_not(None), assignee.is_not(None)]
    if is_postgres(session):
        stmt = select(assignee, func.count(), func.percentile_cont(0.5).within_group(business),
                      func.percentile_cont(0.5).within_group(calendar)).where(*where)
        for a, n, bm, cm in session.execute(stmt.group_by(assignee)).all():
            rows.setdefault(int(a), {}).update(responded=int(n), business_median=_num(bm),
                                               calendar_median=_num(cm))
    else:
        values: dict[int, list[tuple[Any, float]]] = {}
        for a, b, c in session.execute(select(assignee, business, calendar).where(*where)):
            values.setdefault(int(a), []).append((b, float(c)))
        for a, pairs in values.items():
            rows.setdefault(a, {}).update(
                responded=len(pairs),
                business_median=percentile([float(b) for b, _ in pairs if b is not None], .5),
                calendar_median=percentile([c for _, c in pairs], .5))
    return advisor_rows(session, rows)


def advisor_rows(session: Session, rows: dict[int, dict[str, Any]]) -> list[AdvisorRow]:
    """AdvisorRow fields by staff id, named, the most open cases first."""
    names = _names(session, list(rows))
    found = [AdvisorRow(staff_id=a, name=names.get(a, f"#{a}"), **values)
             for a, values in rows.items()]
    return sorted(found, key=lambda r: (-r.open, r.name.casefold()))


def _names(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    users = session.scalars(select(StaffUser).where(col(StaffUser.id).in_(ids)))
    return {int(u.id or 0): u.label for u in users}


def _by_municipality(session: Session, filters: Filters) -> list[tuple[str, int]]:
    """The cohort counted by area in SQL, each area then read as its municipality's code (a
    merged municipality's code as the one it is part of now)."""
    area = col(Case.area)
    rows = session.execute(select(area, func.count()).where(*cohort(filters)).group_by(area))
    counts: Counter[str] = Counter()
    for value, n in rows.all():
        counts[area_key(value)] += int(n)
    return municipality_rows(counts)


def municipality_rows(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(((k, n) for k, n in counts.items() if n),
                  key=lambda row: (-row[1], row[0] or "~"))


def open_hours_grid(session: Session) -> list[list[bool]]:
    """Whether the chat's weekly hours cover some of each hour of the week (Helsinki time)."""
    grid = [[False] * 24 for _ in range(7)]
    for slot in load_schedule(session).slots:
        if slot.channel != HEAT_CHANNEL:
            continue
        for hour in range(24):
            if slot.start < (hour + 1) * 60 and slot.end > hour * 60:
                grid[slot.weekday][hour] = True
    return grid


def as_rows(figures: Figures) -> list[tuple[str, str, str]]:
    """The figures as (section, item, value) rows: one shape for the CSV and XLSX exports."""
    rows: list[tuple[str, str, str]] = []

    def add(section: str, item: str, value: Any) -> None:
        rows.append((section, item, "" if value is None else
                     (f"{value:.1f}" if isinstance(value, float) else str(value))))

    f = figures.filters
    add("period", "start", f.start.isoformat())
    add("period", "end", f.end.isoformat())
    for key in ("team", "kind", "language", "priority", "channel", "municipality"):
        add("filter", key, getattr(f, key) or "")
    add("cases", "arrived", figures.cases)
    for name in ("first_response", "resolution"):
        durations: Durations = getattr(figures, name)
        for item in fields(durations):
            add(f"{name}_minutes", item.name, getattr(durations, item.name))
        compliance: Compliance = getattr(figures, f"{name}_compliance")
        add(f"{name}_compliance", "met", compliance.met)
        add(f"{name}_compliance", "due", compliance.due)
        add(f"{name}_compliance", "percent", compliance.percent)
        add("breaches", name, figures.breaches.get(name, 0))
    for bucket, n in figures.backlog.items():
        add("backlog", bucket, n)
    for state, n in figures.by_state.items():
        add("state", state, n)
    for outcome, n in figures.outcomes.items():
        add("outcome", outcome, n)
    for day, n in figures.per_day:
        add("per_day", day.isoformat(), n)
    for week, n in figures.per_week:
        add("per_week", week.isoformat(), n)
    for code, n in figures.by_municipality:
        add("municipality", code or "none", n)
    for row in figures.advisors:
        add("advisor_open", row.name, row.open)
        add("advisor_first_response_business_median", row.name, row.business_median)
    return rows


__all__ = ["AdvisorRow", "Compliance", "Durations", "Figures", "Filters", "as_rows", "compute",
           "percentile"]
