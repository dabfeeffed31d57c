"""The Uplift page's placements and long tail, over shop-a's October widget traffic."""

from __future__ import annotations

import asyncio
from collections import Counter
from html import unescape
from pathlib import Path

from starlette.testclient import TestClient

from engine.training import train_shop
from tests.widget.dashboard.conftest import log_in
from tests.widget.placement_traffic import (
    SMALL_TRAINING,
    ShopTraffic,
    first_invoices,
    invoice_views,
    most_viewed_fifth,
)
from widget.settings import Settings
from widget.store import connect

UPLIFT = "/dashboard/shops/{}/uplift?period=2026-10"
HEADINGS = '<th scope="col">Placement</th><th scope="col" class="num">Impressions</th>'


def test_each_placement_has_its_row_with_revenue_not_billed(web: TestClient) -> None:
    log_in(web, "analyst@a.example")
    page = unescape(web.get(UPLIFT.format("shop-a")).text)
    assert HEADINGS in page and "Click-attributed revenue (not billed)" in page
    # customer 17850 saw both placements once, clicked each twice, bought two clicked items
    product = (
        '<tr><th scope="row">product</th><td class="num">1</td><td class="num">2</td>\n'
        '<td class="num">200.00%</td>\n<td class="num">1</td><td class="num">35.64 GBP</td>'
    )
    assert product in page and '<th scope="row">basket</th>' in page
    assert '<tfoot><tr><th scope="row">All placements</th><td class="num">2</td>' in page
    assert "No model is trained yet" in page


def test_another_shop_shows_none_of_these_figures(web: TestClient) -> None:
    log_in(web, "admin@b.example")
    page = web.get(UPLIFT.format("shop-b")).text
    assert "No recommendation was shown to or clicked by a visitor in 2026-10" in page
    assert "35.64" not in page and '<th scope="row">product</th>' not in page


async def _train_on_views(url: str, models: Path) -> Counter[str]:
    store = await connect(url)
    try:
        views = await invoice_views(await ShopTraffic.of(store, "shop-a"), 40)
        await train_shop(store, "shop-a", models, settings=SMALL_TRAINING)
    finally:
        await store.aclose()
    return views


def test_the_long_tail_shares_use_the_trained_head(web: TestClient, settings: Settings) -> None:
    views = asyncio.run(_train_on_views(str(settings.redis_url), settings.data_dir / "models"))
    head = set(most_viewed_fifth(views))
    products = first_invoices(1)[0].products
    shown = products[:4] + products[3:]
    tail = sum(product not in head for product in shown)
    log_in(web, "admin@a.example")
    page = web.get(UPLIFT.format("shop-a")).text
    expected = f"<strong>{tail / len(shown):.1%}</strong>\n({tail} of {len(shown)})"
    assert "Long-tail share of the recommended items shown in 2026-10: " + expected in page
    assert "No model is trained yet" not in page
