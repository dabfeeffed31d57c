"""The Uplift page's per-placement figures, read from the placement rollup
(`widget.placements.rollup`): impressions, clicks, click-attributed orders and revenue,
and the long-tail share of shown and of bought recommended items.

The rollup keeps how often each item was shown and bought; which of them are in the tail
is decided here, with the head of the shop's current models
(`widget.recommendations.head_split`), so the shares of past periods follow the latest
training too. Only the head's items are read: the tail is the total less the head and
less the products not in the catalogue (`UNLISTED_PRODUCT`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from billing.currency import round_half_up
from billing.errors import UnsupportedCurrency
from billing.periods import Period
from widget.catalog import UNLISTED_PRODUCT
from widget.orders import MAX_DECIMALS, money_text
from widget.placements import keys as keys
from widget.recommendations import HeadItems

_DAY = len("2026-11-23|")
_REVENUE = "revenue:"


@dataclass(frozen=True)
class ItemCounts:
    """Recommended items counted (each showing, or each order buying one) and how many
    of them are in the tail; `tail` is None without a model to split by."""

    items: int = 0
    tail: int | None = None

    @property
    def tail_share(self) -> float | None:
        return None if self.tail is None or not self.items else self.tail / self.items

    def __add__(self, other: ItemCounts) -> ItemCounts:
        tail = None if self.tail is None or other.tail is None else self.tail + other.tail
        return ItemCounts(self.items + other.items, tail)


def _count(items: int, not_tail: list[str | None] | None) -> ItemCounts:
    """`items` counted, of which `not_tail` counts the head's and the unlisted products'
    (None: no model to split by)."""
    if not_tail is None:
        return ItemCounts(items)
    return ItemCounts(items, items - sum(int(n) for n in not_tail if n is not None))


@dataclass(frozen=True)
class PlacementRow:
    """One placement's figures in a period; `revenue` is per currency, not billed."""

    placement: str
    impressions: int = 0
    clicks: int = 0
    orders: int = 0
    revenue: dict[str, Decimal] = field(default_factory=dict)
    shown: ItemCounts = ItemCounts()
    bought: ItemCounts = ItemCounts()

    @property
    def click_through_rate(self) -> float | None:
        return self.clicks / self.impressions if self.impressions else None

    def __add__(self, other: PlacementRow) -> PlacementRow:
        revenue = dict(self.revenue)
        for currency, amount in other.revenue.items():
            revenue[currency] = revenue.get(currency, Decimal(0)) + amount
        return PlacementRow(
            self.placement,
            self.impressions + other.impressions,
            self.clicks + other.clicks,
            self.orders + other.orders,
            revenue,
            self.shown + other.shown,
            self.bought + other.bought,
        )


@dataclass(frozen=True)
class PlacementFigures:
    rows: list[PlacementRow]
    total: PlacementRow
    head: HeadItems | None


def money(revenue: dict[str, Decimal]) -> str:
    """Amounts per currency, rounded to its minor unit: `1,234.50 GBP`; `–` for none."""
    parts = []
    for currency, amount in sorted(revenue.items()):
        try:
            parts.append(f"{round_half_up(amount, currency):,f} {currency}")
        except UnsupportedCurrency:
            parts.append(f"{money_text(amount)} {currency}")
    return "; ".join(parts) or "–"


async def placement_figures(
    redis: Any, shop: str, period: Period, head: HeadItems | None
) -> PlacementFigures:
    """Every placement with figures in `period`, by name, and their total."""
    sums: dict[str, Counter[str]] = {}
    for name, value in (await redis.hgetall(keys.figures(shop, str(period)))).items():
        placement, figure = name[_DAY:].rsplit("|", 1)
        sums.setdefault(placement, Counter())[figure] += int(value)
    placements = sorted(sums)
    not_tail = await _not_tail_counts(redis, shop, period, placements, head)
    rows = []
    for index, placement in enumerate(placements):
        figures = sums[placement]
        revenue = {
            name[len(_REVENUE) :]: Decimal(value).scaleb(-MAX_DECIMALS)
            for name, value in figures.items()
            if name.startswith(_REVENUE)
        }
        rows.append(
            PlacementRow(
                placement,
                figures["impressions"],
                figures["clicks"],
                figures["orders"],
                revenue,
                _count(figures["shown"], None if not_tail is None else not_tail[2 * index]),
                _count(figures["bought"], None if not_tail is None else not_tail[2 * index + 1]),
            )
        )
    total = PlacementRow("All placements", shown=ItemCounts(0, 0), bought=ItemCounts(0, 0))
    for row in rows:
        total = total + row
    return PlacementFigures(rows, total, head)


async def _not_tail_counts(
    redis: Any, shop: str, period: Period, placements: list[str], head: HeadItems | None
) -> list[list[str | None]] | None:
    """Per placement, the shown then the bought counts of the head's items and of the
    unlisted products (None for one never counted); the tail is the rest. Reading these
    counts only, not every item's, keeps the page fast for a catalogue of any size."""
    if head is None:
        return None
    # Ids the catalogue does not list are no product of its tail, whatever forged events
    # name: out of the tail's count, though still among the items it is a share of.
    ids = list(head.ids | {UNLISTED_PRODUCT})
    async with redis.pipeline(transaction=False) as pipe:
        for placement in placements:
            pipe.hmget(keys.shown_items(shop, str(period), placement), ids)
            pipe.hmget(keys.bought_items(shop, str(period), placement), ids)
        found: list[list[str | None]] = await pipe.execute()
    return found
