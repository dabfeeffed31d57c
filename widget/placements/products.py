"""The per-product table's figures, read from the placement rollup: per product, summed
over the placements, how often it was shown, clicked and bought after a click, and its
click-attributed revenue (not billed), in a period.

Every product with a figure in the period is read (a catalogue of 4,070 products in four
placements is 16,280 hash fields), so that any column sorts the whole table; the page
shows one page of it. Ids the catalogue does not list are one row, `UNLISTED_PRODUCT`,
apart from the products' (`ProductFigures.unlisted`), in the total.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, get_args

from billing.periods import Period
from widget.catalog import UNLISTED_PRODUCT
from widget.orders import MAX_DECIMALS
from widget.placements import keys as keys

ProductColumn = Literal["product", "shown", "clicks", "bought", "revenue"]
PRODUCT_COLUMNS: tuple[ProductColumn, ...] = get_args(ProductColumn)
_DAY = len("2026-11-23|")


@dataclass
class ProductRow:
    """One product's figures in a period; `revenue` is per currency, not billed."""

    product_id: str
    shown: int = 0
    clicks: int = 0
    bought: int = 0
    revenue: dict[str, Decimal] = field(default_factory=dict)

    def add(self, other: ProductRow) -> None:
        self.shown += other.shown
        self.clicks += other.clicks
        self.bought += other.bought
        for currency, amount in other.revenue.items():
            self.revenue[currency] = self.revenue.get(currency, Decimal(0)) + amount


@dataclass(frozen=True)
class ProductFigures:
    """The catalogue's products by product id, the row of every id it does not list
    (None without one), and the total of both."""

    rows: list[ProductRow]
    unlisted: ProductRow | None
    total: ProductRow


def _revenue_total(row: ProductRow) -> Decimal:
    # A shop's orders are in one currency; with several, their amounts are summed to sort.
    return sum(row.revenue.values(), Decimal(0))


_SORT_KEYS: dict[ProductColumn, Callable[[ProductRow], Any]] = {
    "product": lambda row: row.product_id,
    "shown": lambda row: row.shown,
    "clicks": lambda row: row.clicks,
    "bought": lambda row: row.bought,
    "revenue": _revenue_total,
}


def sort_products(rows: list[ProductRow], column: ProductColumn, descending: bool) -> None:
    """Sort `rows` in place by `column`, ties by product id (ascending either way)."""
    rows.sort(key=lambda row: row.product_id)
    rows.sort(key=_SORT_KEYS[column], reverse=descending)


async def period_placements(redis: Any, shop: str, period: Period) -> list[str]:
    """The placements with a figure in `period`, by name."""
    names = await redis.hkeys(keys.figures(shop, str(period)))
    return sorted({name[_DAY:].rsplit("|", 1)[0] for name in names})


async def product_figures(redis: Any, shop: str, period: Period) -> ProductFigures:
    """Every product shown, clicked or bought after a click in `period`, by product id."""
    placements = await period_placements(redis, shop, period)
    month = str(period)
    async with redis.pipeline(transaction=False) as pipe:
        for placement in placements:
            pipe.hgetall(keys.shown_items(shop, month, placement))
            pipe.hgetall(keys.clicked_items(shop, month, placement))
            pipe.hgetall(keys.bought_items(shop, month, placement))
            pipe.hgetall(keys.item_revenue(shop, month, placement))
        found: list[dict[str, str]] = await pipe.execute()
    rows: dict[str, ProductRow] = {}

    def row(product: str) -> ProductRow:
        known = rows.get(product)
        if known is None:
            known = rows[product] = ProductRow(product)
        return known

    for start in range(0, len(found), 4):
        shown, clicked, bought, revenue = found[start : start + 4]
        for product, count in shown.items():
            row(product).shown += int(count)
        for product, count in clicked.items():
            row(product).clicks += int(count)
        for product, count in bought.items():
            row(product).bought += int(count)
        for name, millionths in revenue.items():
            currency, product = name.split("|", 1)
            amounts = row(product).revenue
            amount = Decimal(millionths).scaleb(-MAX_DECIMALS)
            amounts[currency] = amounts.get(currency, Decimal(0)) + amount
    unlisted = rows.pop(UNLISTED_PRODUCT, None)
    total = ProductRow("All products")
    for counted in rows.values():
        total.add(counted)
    if unlisted is not None:
        total.add(unlisted)
    return ProductFigures([rows[product] for product in sorted(rows)], unlisted, total)
