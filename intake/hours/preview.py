"""A change to the schedule, shown before it is saved: the coming four weeks, now and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from intake.hours.page import DayEntry, coming_days
from intake.hours.schedule import CHANNELS, Schedule
from intake.hours.texts import CHANNEL_LABELS


@dataclass(frozen=True)
class PreviewRow:
    heading: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class ChannelPreview:
    channel: str
    label: str
    rows: list[PreviewRow]

    @property
    def changes(self) -> int:
        return sum(1 for row in self.rows if row.changed)


def _summary(entry: DayEntry | None) -> str:
    if entry is None:
        return ""
    text = ", ".join(period.hours for period in entry.periods)
    if entry.note:
        text = f"{text} ({entry.note})" if text else entry.note
    return text


def compare(
    before: Schedule, after: Schedule, instant: datetime, locale: str
) -> list[ChannelPreview]:
    """Every date of the coming four weeks where either schedule opens or closes something."""
    previews = []
    for channel in CHANNELS:
        old = {entry.day: entry for entry in coming_days(instant, before, channel, locale)}
        new = {entry.day: entry for entry in coming_days(instant, after, channel, locale)}
        rows = [
            PreviewRow(
                (new.get(day) or old[day]).heading, _summary(old.get(day)), _summary(new.get(day))
            )
            for day in sorted(old.keys() | new.keys())
        ]
        previews.append(ChannelPreview(channel, str(CHANNEL_LABELS[channel]), rows))
    return previews
