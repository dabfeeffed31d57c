"""The Placements, Long tail and Products pages, over shop-a's October widget traffic."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from html import unescape

import pytest
from starlette.testclient import TestClient

from tests.widget.catalog.samples import as_json, online_retail
from tests.widget.conftest import log_in
from tests.widget.placements.traffic import MORNING, RolledUpTraffic, shown
from widget.catalog import CatalogStore
from widget.platform.settings import Settings
from widget.platform.store import connect

SHOP = "/dashboard/shops/shop-a"
PRODUCTS = f"{SHOP}/products?period=2026-10"
_ROW = re.compile(r'<tr><th scope="row"><code>([^<]+)</code>')


def product_ids(html: str) -> list[str]:
    return _ROW.findall(html)


async def _body(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _catalogue_and_more_shown(url: str, extra: int) -> list[str]:
    """Shop-a's catalogue (the first 300 Online Retail products), and `extra` of them
    shown once more in the home placement; their ids."""
    store = await connect(url)
    try:
        rows = online_retail()
        await CatalogStore(store, "shop-a").import_upload(_body(as_json(rows)), "json")
        ids = [row["product_id"] for row in rows[-extra:]]
        await (await RolledUpTraffic.of(store, "shop-a")).send("v-1", MORNING, shown("home", ids))
    finally:
        await store.aclose()
    return ids


async def _forged_shown(url: str, ids: list[str]) -> None:
    """`ids` shown once each in shop-a's home placement, as anyone with its site key can."""
    store = await connect(url)
    try:
        events = [shown("home", ids[start : start + 100]) for start in range(0, len(ids), 100)]
        await (await RolledUpTraffic.of(store, "shop-a")).send("v-1", MORNING, *events)
    finally:
        await store.aclose()


def test_the_uplift_page_links_to_the_pages_it_no_longer_holds(web: TestClient) -> None:
    log_in(web, "finance@a.example")
    page = web.get(f"{SHOP}/uplift?period=2026-10").text
    for name in ("placements", "long-tail", "products"):
        assert f'href="{SHOP}/{name}?period=2026-10"' in page, name
        assert web.get(f"{SHOP}/{name}?period=2026-10").status_code == 200
    assert "Orders after a click" not in page and "Long-tail share of the" not in page


def test_each_product_has_its_row_sorted_by_revenue_first(web: TestClient) -> None:
    log_in(web, "analyst@a.example")
    page = unescape(web.get(PRODUCTS).text)
    assert product_ids(page) == [
        "84029G", "85123A", "21730", "22633", "22752", "71053", "84029E", "84406B",
    ]  # fmt: skip
    # shown in two placements, clicked in both, bought after the product placement's click
    row = (
        '<tr><th scope="row"><code>84029G</code> KNITTED UNION FLAG HOT WATER BOTTLE</th>'
        '<td class="num">2</td><td class="num">2</td>\n'
        '<td class="num">1</td><td class="num">20.34 GBP</td></tr>'
    )
    assert row in page and 'aria-sort="descending"' in page


def test_ids_not_in_the_catalogue_are_one_row_under_the_products_and_in_the_total(
    web: TestClient, settings: Settings
) -> None:
    asyncio.run(_forged_shown(str(settings.redis_url), [f"made-up-{n}" for n in range(1_000)]))
    log_in(web, "analyst@a.example")
    for query in ("", "&sort=product", "&sort=shown&order=asc"):
        page = unescape(web.get(PRODUCTS + query).text)
        assert len(product_ids(page)) == 8 and "made-up-" not in page and "(unlisted)" not in page
        unlisted = (
            '<tfoot>\n<tr><th scope="row">Products not in the catalogue</th>'
            '<td class="num">1,000</td><td class="num">0</td>\n'
            '<td class="num">0</td><td class="num">–</td></tr>\n'
            '<tr><th scope="row">All products</th>'
            '<td class="num">1,008</td><td class="num">4</td>\n'
            '<td class="num">2</td><td class="num">35.64 GBP</td></tr>\n</tfoot>'
        )
        assert unlisted in page, query


def test_any_column_sorts_either_way(web: TestClient) -> None:
    log_in(web, "analyst@a.example")
    by_clicks = product_ids(web.get(f"{PRODUCTS}&sort=clicks&order=asc").text)
    assert by_clicks[:5] == ["21730", "22752", "71053", "84029E", "84406B"]
    assert by_clicks[-1] == "84029G"
    assert product_ids(web.get(f"{PRODUCTS}&sort=product").text)[0] == "21730"
    assert product_ids(web.get(f"{PRODUCTS}&sort=shown&order=desc").text)[0] == "84029G"


def test_titles_come_from_the_catalogue_and_long_tables_have_pages(
    web: TestClient, settings: Settings
) -> None:
    extra = asyncio.run(_catalogue_and_more_shown(str(settings.redis_url), 60))
    log_in(web, "admin@a.example")
    last = unescape(web.get(f"{PRODUCTS}&sort=product&order=desc").text)
    assert "<code>85123A</code> WHITE HANGING HEART T-LIGHT HOLDER</th>" in last
    first = unescape(web.get(f"{PRODUCTS}&sort=product").text)
    assert "Page 1 of 2 (1–50 of 68)" in first and "Previous" not in first
    next_page = f"{SHOP}/products?period=2026-10&sort=product&order=asc&page=2"
    assert f'href="{next_page}" rel="next"' in first
    second = product_ids(web.get(f"{PRODUCTS}&sort=product&page=2").text)
    every = sorted(
        {*extra, "84029G", "85123A", "21730", "22633", "22752", "71053", "84029E", "84406B"}
    )
    assert len(second) == 18 and second == every[50:]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("sort=price", "sort: must be one of product, shown, clicks, bought, revenue, not 'price'"),
        ("order=up", "order: must be one of asc, desc, not 'up'"),
        ("page=0", "page: must be a whole number from 1, not '0'"),
        ("page=two", "page: must be a whole number from 1, not 'two'"),
        ("page=2", "page: there are 1 pages, not 2"),
        ("period=2026-13", "period: must be a month such as 2026-10, not '2026-13'"),
    ],
)
def test_a_bad_parameter_is_a_400_that_names_it(web: TestClient, query: str, message: str) -> None:
    log_in(web, "analyst@a.example")
    page = web.get(f"{SHOP}/products?{query}")
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert f'<p role="alert">{message}</p>' in unescape(page.text)


def test_the_placements_page_refuses_a_bad_month(web: TestClient) -> None:
    log_in(web, "analyst@a.example")
    assert web.get(f"{SHOP}/placements?period=last").status_code == 400
    assert web.get(f"{SHOP}/long-tail?period=2026-1").status_code == 400
