"""The hours page as a view-model: usual weekly hours and the coming four weeks per channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from babel.dates import get_day_names

from intake.hours.box import ChannelLine, channel_lines
from intake.hours.schedule import (
    CHANNELS,
    WINDOW_DAYS,
    Opening,
    Schedule,
    day_plan,
    wall_instant,
)
from intake.hours.store import Contact
from intake.hours.texts import (
    day_text,
    format_locale,
    hours_text,
    language_names,
)
from yhteys.calendar import holiday_name
from yhteys.clock import HELSINKI
from yhteys.i18n import gettext as _


@dataclass(frozen=True)
class Period:
    hours: str
    languages: list[tuple[str, str]]
    kind: str  # regular | extra | changed


@dataclass(frozen=True)
class DayEntry:
    day: date
    heading: str
    periods: list[Period]
    note: str  # "Closed: Ascension Day", "Changed hours", ...


@dataclass(frozen=True)
class ChannelSection:
    line: ChannelLine
    usual: list[tuple[str, str]]  # (weekday name, "12:00–15:00")
    languages: list[tuple[str, str]]  # the channel's usual languages
    days: list[DayEntry]


def _period(opening: Opening, usual: tuple[str, ...], locale: str) -> Period:
    # Languages are listed once per channel; a day shows its own only when they differ.
    languages = [] if opening.languages == usual else language_names(opening.languages)
    return Period(hours_text(opening, locale), languages, opening.kind)


def usual_hours(schedule: Schedule, channel: str, locale: str) -> list[tuple[str, str]]:
    names = get_day_names("wide", "stand-alone", locale=format_locale(locale))
    monday = date(2024, 1, 1)  # any Monday: the weekday text does not depend on the date
    rows = []
    for slot in sorted(schedule.slots, key=lambda s: (s.weekday, s.start)):
        if slot.channel != channel:
            continue
        day = monday + timedelta(days=slot.weekday)
        opening = Opening(
            channel, day, wall_instant(day, slot.start), wall_instant(day, slot.end), ()
        )
        rows.append((names[slot.weekday], hours_text(opening, locale)))
    return rows


def coming_days(
    instant: datetime, schedule: Schedule, channel: str, locale: str, days: int = WINDOW_DAYS
) -> list[DayEntry]:
    """Each date of the window with an opening or a cancelled one; quiet dates are left out."""
    today = instant.astimezone(HELSINKI).date()
    entries = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        plan = day_plan(day, channel, schedule)
        openings = [o for o in plan.openings if o.end > instant]
        note = ""
        if plan.closed_for == "holiday":
            note = _("Closed: %(holiday)s", holiday=holiday_name(day, locale) or plan.holiday)
        elif plan.closed_for == "exception":
            note = _("Closed on this day")
        elif any(o.kind == "changed" for o in openings):
            note = _("Changed hours")
        elif any(o.kind == "extra" for o in openings):
            note = _("Extra opening")
        if openings or note:
            usual = schedule.usual_languages(channel)
            periods = [_period(o, usual, locale) for o in openings]
            entries.append(DayEntry(day, day_text(day, locale, heading=True), periods, note))
    return entries


def hours_page(
    instant: datetime, schedule: Schedule, contacts: dict[str, Contact], locale: str
) -> list[ChannelSection]:
    lines = {line.channel: line for line in channel_lines(instant, schedule, contacts, locale)}
    return [
        ChannelSection(
            lines[channel],
            usual_hours(schedule, channel, locale),
            language_names(schedule.usual_languages(channel)),
            coming_days(instant, schedule, channel, locale),
        )
        for channel in CHANNELS
    ]
