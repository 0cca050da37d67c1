"""Chart geometry for the dashboard's server-drawn SVG: bars, a trend line, the week's heat map.

Only numbers here; the template draws them with a title, a description and the data table beside
each chart, so the chart is a picture of the table and never the only way to read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT, PAD = 600, 180, 24


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


def bars(items: Sequence[tuple[str, int]], width: int = WIDTH, height: int = HEIGHT
         ) -> list[Bar]:
    """Vertical bars scaled to the largest value, the labels kept for the axis."""
    if not items:
        return []
    top = max((v for _, v in items), default=0) or 1
    slot = width / len(items)
    inner = height - PAD
    return [Bar(x=round(i * slot + slot * .1, 1), y=round(inner - inner * v / top, 1),
                width=round(slot * .8, 1), height=round(inner * v / top, 1), label=label,
                value=v)
            for i, (label, v) in enumerate(items)]


def line(values: Sequence[int], width: int = WIDTH, height: int = HEIGHT) -> str:
    """The points of a trend line (an SVG polyline's `points`)."""
    if not values:
        return ""
    top = max(values) or 1
    step = width / max(1, len(values) - 1)
    inner = height - PAD
    return " ".join(f"{round(i * step, 1)},{round(inner - inner * v / top, 1)}"
                    for i, v in enumerate(values))


def shade(value: int, top: int) -> str:
    """A heat-map cell's fill opacity: the share of the busiest hour, never fully clear."""
    if not top or not value:
        return "0"
    return f"{0.15 + 0.85 * value / top:.2f}"
