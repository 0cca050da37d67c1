"""What the figures need to know of one UTC day's arrivals, kept whole so days add up exactly.

A median cannot be added up from daily medians, so a day keeps its durations themselves, sorted:
the figures of any run of days then pick their ranks across the days' lists (`nth`) with binary
searches, and come out equal to percentile_cont over the raw rows. Compliance is counted at read
time against the current targets (a day keeps its business minutes per priority), and the running
cases keep their due times, so "overdue as of now" is a binary search too. The open cases keep
their arrival instants and assignees: the backlog and the advisors' loads are read from the days.

Days are UTC days, the unit the database marks as changed (rollup.py): a Helsinki day starts at
22:00 or 21:00 UTC, and the figures place each UTC hour on its Helsinki hour when they read. The
same `Tally` is made from a day's rows whether it is stored or counted on the spot (today, the
days changed since they were stored, the hours a period cuts off a day), so there is one
definition.
"""

from __future__ import annotations

import base64
import json
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import chain
from typing import Any

from intake import municipalities

VERSION = 1  # stored tallies of another version are counted again
RUNNING_STATES = ("new", "assigned", "in_progress")
SORT_BELOW = 20_000


def _floats() -> array:
    return array("d")


@dataclass
class Tally:
    """One day's arrivals (not merged away). Lists of numbers are sorted ascending."""

    hours: list[int] = field(default_factory=lambda: [0] * 24)  # arrivals by UTC hour
    states: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)  # closed cases only
    # By municipality code, NOT_SAID or "" (never the typed text: a stored tally keeps no
    # personal data, and an erased case's place is gone from it at once).
    areas: Counter[str] = field(default_factory=Counter)
    breaches: Counter[str] = field(default_factory=Counter)
    # First responses: business minutes per priority (where stored), calendar minutes of all.
    first_business: dict[str, array] = field(default_factory=dict)
    first_calendar: array = field(default_factory=_floats)
    resolution_business: dict[str, array] = field(default_factory=dict)
    resolution_calendar: array = field(default_factory=_floats)
    # Running cases: epoch seconds their target falls due (unanswered ones for first response).
    first_due: array = field(default_factory=_floats)
    resolution_due: array = field(default_factory=_floats)
    # Open cases (not closed): arrival instants, and how many each assignee holds.
    open_arrived: array = field(default_factory=_floats)
    open_by: Counter[int] = field(default_factory=Counter)
    # First responses per assignee: (business minutes, calendar minutes).
    responded: dict[int, tuple[array, array]] = field(default_factory=dict)

    @property
    def cases(self) -> int:
        return sum(self.hours)


# --- Counting ------------------------------------------------------------------------------------

# A row to count: instants as epoch seconds, durations as calendar minutes (None: not given).
ROW = ("arrived", "state", "outcome", "area", "priority", "assignee_id",
       "first_response_minutes", "first_response_business_minutes", "first_response_due",
       "resolution_minutes", "resolution_business_minutes", "resolution_due")
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def area_key(value: str | None) -> str:
    """The municipality an area counts as (a merged one as the one it is part of now)."""
    if value == municipalities.NOT_SAID:
        return value
    found = municipalities.by_code(value or "")
    return found.code if found is not None else ""


def utc_day(epoch: float) -> date:
    return date.fromordinal(_EPOCH_ORDINAL + int(epoch // 86400))


def count(rows: Iterable[Sequence[Any]], breaches: Iterable[tuple[float, str]]
          ) -> dict[date, Tally]:
    """Tallies per UTC day from rows shaped as ROW and the breaches of those cases (the
    case's arrival in epoch seconds, the target)."""
    lists: dict[date, dict[str, Any]] = {}
    tallies: dict[date, Tally] = {}
    for row in rows:
        day = utc_day(row[0])
        if day not in tallies:
            tallies[day] = Tally()
            lists[day] = {"fb": {}, "fc": [], "rb": {}, "rc": [], "fd": [], "rd": [],
                          "oa": [], "who": {}}
        _add(tallies[day], lists[day], row)
    for arrived, target in breaches:
        tallies.setdefault(utc_day(arrived), Tally()).breaches[target] += 1
    for day, found in lists.items():
        _settle(tallies[day], found)
    return tallies


def _add(t: Tally, lists: dict[str, Any], row: Sequence[Any]) -> None:
    (arrived, state, outcome, area, priority, assignee, first_minutes, first_biz, first_due,
     closing_minutes, closing_biz, closing_due) = row
    t.hours[int(arrived % 86400 // 3600)] += 1
    t.states[state] += 1
    t.areas[area_key(area)] += 1
    if state == "closed":
        t.outcomes[outcome or ""] += 1
    if first_minutes is not None:
        lists["fc"].append(first_minutes)
        if first_biz is not None:
            lists["fb"].setdefault(priority, []).append(float(first_biz))
        if assignee is not None:
            pair = lists["who"].setdefault(int(assignee), ([], []))
            if first_biz is not None:
                pair[0].append(float(first_biz))
            pair[1].append(first_minutes)
    elif state in RUNNING_STATES and first_due is not None:
        lists["fd"].append(first_due)
    if state == "closed" and closing_minutes is not None:
        lists["rc"].append(closing_minutes)
        if closing_biz is not None:
            lists["rb"].setdefault(priority, []).append(float(closing_biz))
    if state in RUNNING_STATES and closing_due is not None:
        lists["rd"].append(closing_due)
    if state != "closed":
        lists["oa"].append(arrived)
        if assignee is not None:
            t.open_by[int(assignee)] += 1


def _sorted(values: Iterable[float]) -> array:
    return array("d", sorted(values))


def _settle(t: Tally, lists: dict[str, Any]) -> None:
    t.first_business = {p: _sorted(v) for p, v in lists["fb"].items()}
    t.first_calendar = _sorted(lists["fc"])
    t.resolution_business = {p: _sorted(v) for p, v in lists["rb"].items()}
    t.resolution_calendar = _sorted(lists["rc"])
    t.first_due = _sorted(lists["fd"])
    t.resolution_due = _sorted(lists["rd"])
    t.open_arrived = _sorted(lists["oa"])
    t.responded = {a: (_sorted(b), _sorted(c)) for a, (b, c) in lists["who"].items()}


# --- Reading across days -------------------------------------------------------------------------


def nth(lists: Sequence[Sequence[float]], k: int) -> float:
    """The k-th smallest (from 0) of the union of sorted lists, without merging them. Each
    round's pivot is the weighted median of the remaining windows' middle values, so at least a
    quarter of what remains is set aside each round: about 2·log2(n) rounds of binary searches."""
    lo = [0] * len(lists)
    hi = [len(values) for values in lists]
    while True:
        middles = sorted((lists[i][(lo[i] + hi[i]) // 2], hi[i] - lo[i])
                         for i in range(len(lists)) if hi[i] > lo[i])
        if not middles:
            raise IndexError(k)
        pivot = _weighted_median(middles)
        below = [bisect_left(v, pivot, lo[i], hi[i]) for i, v in enumerate(lists)]
        upto = [bisect_right(v, pivot, lo[i], hi[i]) for i, v in enumerate(lists)]
        n_below = sum(b - low for b, low in zip(below, lo, strict=True))
        n_upto = sum(u - low for u, low in zip(upto, lo, strict=True))
        if k < n_below:
            hi = below
        elif k < n_upto:
            return pivot
        else:
            k -= n_upto
            lo = upto


def _weighted_median(pairs: Sequence[tuple[float, int]]) -> float:
    """The value at half the total weight of (value, weight) pairs sorted by value."""
    half, seen = sum(w for _, w in pairs) / 2, 0
    for value, weight in pairs:
        seen += weight
        if seen >= half:
            return value
    return pairs[-1][0]


def percentile(lists: Sequence[Sequence[float]], q: float) -> float | None:
    """percentile_cont over the union of sorted lists (linear between the closest ranks)."""
    total = sum(map(len, lists))
    if not total:
        return None
    position = (total - 1) * q
    low = int(position)
    if total <= SORT_BELOW:  # a few thousand values sort faster than they are searched
        ordered = sorted(chain.from_iterable(lists))
        value, upper = ordered[low], ordered[min(low + 1, total - 1)]
    else:
        value = nth(lists, low)
        upper = nth(lists, low + 1) if position != low else value
    return value if position == low else value + (upper - value) * (position - low)


def at_most(values: Sequence[float], limit: float) -> int:
    return bisect_right(values, limit)


def open_only(t: Tally) -> Tally:
    """The part of a day that still counts outside its period: its open cases."""
    return Tally(hours=[0] * 24, open_arrived=t.open_arrived, open_by=t.open_by)


# --- Storing -------------------------------------------------------------------------------------


def _pack(values: array) -> str:
    return base64.b64encode(values.tobytes()).decode("ascii")


def _unpack(text: str) -> array:
    values = array("d")
    values.frombytes(base64.b64decode(text))
    return values


_COUNTERS = ("states", "outcomes", "areas", "breaches")
_ARRAYS = ("first_calendar", "resolution_calendar", "first_due", "resolution_due",
           "open_arrived")


def dumps(t: Tally) -> bytes:
    """The tally as bytes: JSON with the number lists as little-endian doubles in base64."""
    if array("d", [1.0]).tobytes() != b"\x00\x00\x00\x00\x00\x00\xf0?":
        raise RuntimeError("tallies are stored little-endian")
    doc: dict[str, Any] = {"v": VERSION, "hours": t.hours}
    doc.update({name: dict(getattr(t, name)) for name in _COUNTERS})
    doc.update({name: _pack(getattr(t, name)) for name in _ARRAYS})
    doc["first_business"] = {p: _pack(v) for p, v in t.first_business.items()}
    doc["resolution_business"] = {p: _pack(v) for p, v in t.resolution_business.items()}
    doc["open_by"] = {str(a): n for a, n in t.open_by.items()}
    doc["responded"] = {str(a): [_pack(b), _pack(c)] for a, (b, c) in t.responded.items()}
    return json.dumps(doc, separators=(",", ":")).encode()


def loads(data: bytes) -> Tally | None:
    """A stored tally, or None when it was stored by another version of this module."""
    doc = json.loads(data)
    if doc.get("v") != VERSION:
        return None
    t = Tally(hours=list(doc["hours"]))
    for name in _COUNTERS:
        setattr(t, name, Counter(doc[name]))
    for name in _ARRAYS:
        setattr(t, name, _unpack(doc[name]))
    t.first_business = {p: _unpack(v) for p, v in doc["first_business"].items()}
    t.resolution_business = {p: _unpack(v) for p, v in doc["resolution_business"].items()}
    t.open_by = Counter({int(a): n for a, n in doc["open_by"].items()})
    t.responded = {int(a): (_unpack(b), _unpack(c)) for a, (b, c) in doc["responded"].items()}
    return t
