"""Server-made SVG charts: readable without JavaScript, styled by presentation attributes
(the page's content policy refuses inline styles), described for screen readers.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 40
INK, BAND, LINE, GRID = "#1f2328", "#b6d4f2", "#0b4f9c", "#8c959f"


@dataclass(frozen=True)
class IntervalPoint:
    """One day's cumulative estimate with its interval, in the chart's unit."""

    day: datetime.date
    estimate: float
    low: float
    high: float


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    span = high - low or 1.0
    raw = span / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def _tick_label(value: float) -> str:
    return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"


def interval_chart(points: Sequence[IntervalPoint], title: str, description: str) -> Markup:
    """A line of estimates over a band of intervals, with a zero line; days along x."""
    low = min([0.0, *(p.low for p in points)])
    high = max([0.0, *(p.high for p in points)])
    pad = (high - low) * 0.05 or 1.0
    low, high = low - pad, high + pad
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (len(points) - 1) if len(points) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return TOP + plot_h * (high - value) / (high - low)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'role="img" aria-labelledby="chart-title chart-desc" class="chart">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(description)}</desc>',
    ]
    for tick in _ticks(low, high):
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="{GRID}" stroke-width="0.5"/>'
            f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="{INK}">{_tick_label(tick)}</text>'
        )
    if points:
        upper = [f"{x(i):.1f},{y(p.high):.1f}" for i, p in enumerate(points)]
        lower = [f"{x(i):.1f},{y(p.low):.1f}" for i, p in reversed(list(enumerate(points)))]
        line = " ".join(f"{x(i):.1f},{y(p.estimate):.1f}" for i, p in enumerate(points))
        parts.append(f'<polygon points="{" ".join(upper + lower)}" fill="{BAND}"/>')
        parts.append(f'<polyline points="{line}" fill="none" stroke="{LINE}" stroke-width="2"/>')
        step = max(1, math.ceil(len(points) / 8))
        for i in range(0, len(points), step):
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" '
                f'font-size="12" fill="{INK}">{points[i].day:%d %b}</text>'
            )
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(0):.1f}" y2="{y(0):.1f}" '
        f'stroke="{INK}" stroke-width="1"/></svg>'
    )
    return Markup("".join(parts))
