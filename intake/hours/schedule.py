"""Opening hours as data, and the pure functions that read them.

A schedule is weekly slots per channel, dated exceptions, and the Finnish public holidays of
`yhteys.calendar`, the SLA clock's too (closed unless an exception opens one). Every wall time
is Europe/Helsinki: an opening is built from its local date and wall times first and only then
turned into an instant, so a 12:00–15:00 slot is 12:00–15:00 on the days the clocks change too.
Nothing here reads the clock or the database; callers pass the instant and the schedule, so tests
can ask about any moment.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from yhteys.calendar import finnish_holiday
from yhteys.clock import HELSINKI

CHANNELS = ("chat", "phone", "whatsapp")
ALL_CHANNELS = "all"  # an exception for every channel at once
DAY_MINUTES = 24 * 60
HORIZON_DAYS = 92  # how far ahead "next opening" looks before it says there is none
WINDOW_DAYS = 28  # the coming four weeks of the hours page and the calendar feed


class ExceptionKind(enum.StrEnum):
    CLOSED = "closed"  # closed all day, whatever else says
    EXTRA = "extra"  # an opening on top of the weekly slots
    CHANGED = "changed"  # these hours instead of the weekly slots (opens a holiday too)
    HOLIDAY_OPEN = "holiday_open"  # the weekly slots apply on this public holiday


@dataclass(frozen=True)
class WeeklySlot:
    channel: str
    weekday: int  # Monday 0 ... Sunday 6, as date.weekday()
    start: int  # minutes after local midnight, 0-1439
    end: int  # minutes after local midnight, 1-1440 (1440: midnight at the end of the day)
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class DatedException:
    day: date
    kind: ExceptionKind
    channel: str = ALL_CHANNELS
    start: int | None = None  # EXTRA and CHANGED only
    end: int | None = None
    languages: tuple[str, ...] = ()  # empty: the channel's usual languages

    def applies_to(self, channel: str) -> bool:
        return self.channel in (channel, ALL_CHANNELS)


@dataclass(frozen=True)
class Schedule:
    slots: tuple[WeeklySlot, ...] = ()
    exceptions: tuple[DatedException, ...] = ()
    holidays: Callable[[date], str | None] = field(default=finnish_holiday, compare=False)

    def usual_languages(self, channel: str) -> tuple[str, ...]:
        """The languages of a channel's weekly slots, in the order they were first given."""
        seen: dict[str, None] = {}
        for slot in self.slots:
            if slot.channel == channel:
                seen.update(dict.fromkeys(slot.languages))
        return tuple(seen)


@dataclass(frozen=True)
class Opening:
    channel: str
    day: date  # the local date the opening was built from
    start: datetime  # UTC
    end: datetime  # UTC
    languages: tuple[str, ...]
    kind: str = "regular"  # regular | extra | changed

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(HELSINKI)

    @property
    def local_end(self) -> datetime:
        return self.end.astimezone(HELSINKI)


@dataclass(frozen=True)
class DayPlan:
    channel: str
    day: date
    openings: tuple[Opening, ...]
    holiday: str | None  # the holiday's English name, when the date is one
    closed_for: str | None  # "holiday" or "exception" when the weekly slots were cancelled


@dataclass(frozen=True)
class ChannelStatus:
    channel: str
    at: datetime  # UTC
    is_open: bool
    open_until: datetime | None  # UTC end of the opening (and of any that follows without a gap)
    current: Opening | None
    next: Opening | None  # the next opening after this one, or from now when closed


def wall_instant(day: date, minute: int) -> datetime:
    """The first instant (UTC) whose Helsinki wall time is at or after `minute` on `day`.

    Minute 1440 is midnight at the end of the day. A wall time the clocks jump over in spring
    becomes the moment of the jump; a wall time that happens twice in autumn is its first
    occurrence.
    """
    naive = datetime.combine(day, time()) + timedelta(minutes=minute)
    first = naive.replace(tzinfo=HELSINKI, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=HELSINKI, fold=1).astimezone(UTC)
    if first <= second:
        return first
    # A gap: `second` is before the jump, `first` after it. Walk to the jump, minute by minute.
    instant = second
    while instant.astimezone(HELSINKI).replace(tzinfo=None) < naive:
        instant += timedelta(minutes=1)
    return instant


def day_plan(day: date, channel: str, schedule: Schedule) -> DayPlan:
    """What one channel does on one local date, after holidays and exceptions."""
    exceptions = [e for e in schedule.exceptions if e.day == day and e.applies_to(channel)]
    kinds = {e.kind for e in exceptions}
    holiday = schedule.holidays(day)
    usual = schedule.usual_languages(channel)
    intervals: list[tuple[int, int, tuple[str, ...], str]] = [
        (s.start, s.end, s.languages, "regular")
        for s in schedule.slots
        if s.channel == channel and s.weekday == day.weekday()
    ]
    closed_for = None
    if holiday and not kinds & {ExceptionKind.HOLIDAY_OPEN, ExceptionKind.CHANGED}:
        closed_for = "holiday" if intervals else None
        intervals = []
    if ExceptionKind.CHANGED in kinds:
        intervals = [_interval(e, usual, "changed") for e in exceptions if e.kind == "changed"]
    if ExceptionKind.CLOSED in kinds:
        # Closed wins over everything: a wrong "open" sends a person to a closed door.
        closed_for = "exception" if closed_for or intervals or _has_extra(exceptions) else None
        intervals = []
    else:
        intervals += [_interval(e, usual, "extra") for e in exceptions if e.kind == "extra"]
    openings = tuple(
        Opening(channel, day, wall_instant(day, start), wall_instant(day, end), languages, kind)
        for start, end, languages, kind in _merge(intervals)
    )
    return DayPlan(channel, day, tuple(o for o in openings if o.end > o.start), holiday, closed_for)


def _has_extra(exceptions: list[DatedException]) -> bool:
    return any(e.kind in (ExceptionKind.EXTRA, ExceptionKind.CHANGED) for e in exceptions)


def _interval(
    exception: DatedException, usual: tuple[str, ...], kind: str
) -> tuple[int, int, tuple[str, ...], str]:
    assert exception.start is not None and exception.end is not None
    return exception.start, exception.end, exception.languages or usual, kind


def _merge(
    intervals: Iterable[tuple[int, int, tuple[str, ...], str]],
) -> list[tuple[int, int, tuple[str, ...], str]]:
    """Overlapping or touching intervals of one day become one, with all their languages."""
    merged: list[tuple[int, int, tuple[str, ...], str]] = []
    for start, end, languages, kind in sorted(intervals, key=lambda i: (i[0], i[1])):
        if merged and start <= merged[-1][1]:
            last = merged[-1]
            langs = tuple(dict.fromkeys(last[2] + languages))
            merged[-1] = (last[0], max(last[1], end), langs, last[3] if last[3] == kind else kind)
        else:
            merged.append((start, end, languages, kind))
    return merged


def local_dates(start: datetime, end: datetime) -> Iterator[date]:
    """Every Helsinki date an interval of instants touches."""
    day = start.astimezone(HELSINKI).date()
    last = end.astimezone(HELSINKI).date()
    while day <= last:
        yield day
        day += timedelta(days=1)


def openings_between(
    start: datetime, end: datetime, schedule: Schedule, channel: str | None = None
) -> list[Opening]:
    """Openings that overlap [start, end), in time order, of one channel or of all."""
    channels = (channel,) if channel else CHANNELS
    found = [
        opening
        for day in local_dates(start, end)
        for ch in channels
        for opening in day_plan(day, ch, schedule).openings
        if opening.end > start and opening.start < end
    ]
    return sorted(found, key=lambda o: (o.start, CHANNELS.index(o.channel)))


def channel_status(instant: datetime, schedule: Schedule, channel: str) -> ChannelStatus:
    """Is a channel open at this instant, until when, and when does it open next?"""
    instant = instant.astimezone(UTC)
    # From the day before: an opening of yesterday may still run (it can end at midnight).
    start, horizon = instant - timedelta(days=1), instant + timedelta(days=HORIZON_DAYS)
    end = min(instant + timedelta(days=8), horizon)  # a week ahead answers nearly every time
    while True:
        status = _status_from(instant, openings_between(start, end, schedule, channel), channel)
        if status.next is not None or end >= horizon:
            return status
        end = min(end + timedelta(days=28), horizon)


def _status_from(instant: datetime, openings: list[Opening], channel: str) -> ChannelStatus:
    current = next((o for o in openings if o.start <= instant < o.end), None)
    until = None
    if current is not None:
        until = current.end
        for opening in openings:  # an opening that starts as this one ends extends it
            if opening.start <= until < opening.end:
                until = opening.end
    after = until or instant
    upcoming = next((o for o in openings if o.start >= after), None)
    return ChannelStatus(channel, instant, current is not None, until, current, upcoming)


def status_at(instant: datetime, schedule: Schedule) -> dict[str, ChannelStatus]:
    """The status of every channel at an instant."""
    return {channel: channel_status(instant, schedule, channel) for channel in CHANNELS}


def clock_text(minute: int) -> str:
    """HH:MM for a minute of the day; 1440 is written 24:00."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def span_text(start: int, end: int) -> str:
    """12:00–15:00 for staff pages (the public pages write times the reader's way)."""
    return f"{clock_text(start)}\u2013{clock_text(end)}"
