"""Per-product figures of the placement rollup, from shop acme's real widget traffic."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from billing.periods import Period
from tests.widget.placements.test_rollup import drain, real_traffic
from widget.placements import keys, product_figures, sort_products
from widget.placements.rollup import PlacementRollup
from widget.placements.writer import PRODUCT_FIGURES_KEPT

pytestmark = pytest.mark.anyio
OCTOBER = Period(2026, 10)
# customer 17850 saw 4 products in each of two placements (84029G in both), clicked
# 85123A and 84029G (twice: basket, then product) and 22633, and bought the first two
EXPECTED = {
    "21730": (1, 0, 0, {}),
    "22633": (0, 1, 0, {}),
    "22752": (1, 0, 0, {}),
    "71053": (1, 0, 0, {}),
    "84029E": (1, 0, 0, {}),
    "84029G": (2, 2, 1, {"GBP": Decimal("20.34")}),
    "84406B": (1, 0, 0, {}),
    "85123A": (1, 1, 1, {"GBP": Decimal("15.30")}),
}


async def figures(store: Any) -> dict[str, tuple[int, int, int, dict[str, Decimal]]]:
    found = await product_figures(store, "acme", OCTOBER)
    rows = [*found.rows, *([found.unlisted] if found.unlisted else [])]
    return {row.product_id: (row.shown, row.clicks, row.bought, row.revenue) for row in rows}


async def test_each_product_is_shown_clicked_and_bought_as_the_traffic_says(store: Any) -> None:
    await real_traffic(store)
    await drain(PlacementRollup(store))
    assert await figures(store) == EXPECTED


async def test_a_replay_counts_no_click_or_revenue_twice(store: Any) -> None:
    await real_traffic(store)
    await drain(PlacementRollup(store))
    # A new group reads both streams from their start again.
    assert await drain(PlacementRollup(store, group="replay")) == 8
    assert await figures(store) == EXPECTED


async def test_clicks_and_revenue_per_product_expire_after_their_month(store: Any) -> None:
    await real_traffic(store)
    await drain(PlacementRollup(store))
    # counted in October 2026: they go 400 days after its last day
    day = datetime(2026, 10, 31, tzinfo=UTC)
    expected = int((day + PRODUCT_FIGURES_KEPT).timestamp())
    for key in (
        keys.clicked_items("acme", "2026-10", "product"),
        keys.item_revenue("acme", "2026-10", "product"),
    ):
        assert await store.expiretime(key) == expected, key


async def test_sorting_breaks_ties_by_product_id(store: Any) -> None:
    await real_traffic(store)
    await drain(PlacementRollup(store))
    rows = (await product_figures(store, "acme", OCTOBER)).rows
    sort_products(rows, "revenue", descending=True)
    assert [row.product_id for row in rows][:4] == ["84029G", "85123A", "21730", "22633"]
    sort_products(rows, "shown", descending=False)
    assert [row.product_id for row in rows][:2] == ["22633", "21730"]
    sort_products(rows, "product", descending=True)
    assert rows[0].product_id == "85123A"
