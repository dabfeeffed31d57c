"""Server-made SVG charts: readable without JavaScript, styled by presentation attributes
(the page's content policy refuses inline styles), described for screen readers.

Days lie along x by date, so a day without a point leaves its gap. Every estimate is
marked by a dot and a lone day's interval by a bar, so one day of data is drawn too (a
line or band needs two points).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 40
LEGEND_HEIGHT = 20
INK, GRID = "#1f2328", "#8c959f"

_X = Callable[[datetime.date], float]
_Y = Callable[[float], float]


@dataclass(frozen=True)
class IntervalPoint:
    """One day's estimate with its interval, in the chart's unit."""

    day: datetime.date
    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class Series:
    """A line of estimates over a band of intervals, in its colours (AA on white)."""

    label: str
    points: Sequence[IntervalPoint]
    line: str = "#0b4f9c"
    band: str = "#b6d4f2"


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    span = high - low or 1.0
    raw = span / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def _tick_label(value: float) -> str:
    return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"


def interval_chart(
    series: Sequence[Series], name: str, title: str, description: str, zero_line: bool = True
) -> Markup:
    """Each series' estimates over its band, days along x; `name` makes the ids unique
    on the page. With more than one series, a legend names them."""
    points = [point for one in series for point in one.points]
    values = [value for p in points for value in (p.low, p.high)] + ([0.0] if zero_line else [])
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    pad = (high - low) * 0.05 or 1.0
    low, high = low - pad, high + pad
    top = TOP + (LEGEND_HEIGHT if len(series) > 1 else 0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - top - BOTTOM
    days = sorted({p.day for p in points})
    span = (days[-1] - days[0]).days if days else 0

    def x(day: datetime.date) -> float:
        return LEFT + (plot_w * (day - days[0]).days / span if span else plot_w / 2)

    def y(value: float) -> float:
        return top + plot_h * (high - value) / (high - low)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{name}-title {name}-desc" class="chart" id="{name}">',
        f'<title id="{name}-title">{escape(title)}</title>',
        f'<desc id="{name}-desc">{escape(description)}</desc>',
    ]
    for tick in _ticks(low, high):
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="{GRID}" stroke-width="0.5"/>'
            f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="{INK}">{_tick_label(tick)}</text>'
        )
    for one in series:
        parts.extend(_series(one, x, y))
    if len(series) > 1:
        parts.extend(_legend(series))
    step = max(1, math.ceil(len(days) / 8))
    for day in days[::step]:
        parts.append(
            f'<text x="{x(day):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" '
            f'font-size="12" fill="{INK}">{day:%d %b}</text>'
        )
    if zero_line:
        parts.append(
            f'<line class="zero" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(0):.1f}" '
            f'y2="{y(0):.1f}" stroke="{INK}" stroke-width="1"/>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _series(one: Series, x: _X, y: _Y) -> list[str]:
    points = one.points
    parts = []
    if len(points) > 1:
        upper = [f"{x(p.day):.1f},{y(p.high):.1f}" for p in points]
        lower = [f"{x(p.day):.1f},{y(p.low):.1f}" for p in reversed(points)]
        line = " ".join(f"{x(p.day):.1f},{y(p.estimate):.1f}" for p in points)
        parts.append(
            f'<polygon points="{" ".join(upper + lower)}" fill="{one.band}" fill-opacity="0.6"/>'
        )
        parts.append(
            f'<polyline points="{line}" fill="none" stroke="{one.line}" stroke-width="2"/>'
        )
    else:
        parts.extend(
            f'<line class="interval" x1="{x(p.day):.1f}" x2="{x(p.day):.1f}" '
            f'y1="{y(p.low):.1f}" y2="{y(p.high):.1f}" stroke="{one.band}" stroke-width="8"/>'
            for p in points
        )
    parts.extend(
        f'<circle class="estimate" cx="{x(p.day):.1f}" cy="{y(p.estimate):.1f}" r="3.5" '
        f'fill="{one.line}"/>'
        for p in points
    )
    return parts


def _legend(series: Sequence[Series]) -> list[str]:
    parts, left = [], LEFT
    for one in series:
        parts.append(
            f'<rect x="{left}" y="{TOP - 10}" width="14" height="10" fill="{one.line}"/>'
            f'<text x="{left + 20}" y="{TOP}" font-size="12" fill="{INK}">'
            f"{escape(one.label)}</text>"
        )
        left += 40 + 8 * len(one.label)
    return parts
