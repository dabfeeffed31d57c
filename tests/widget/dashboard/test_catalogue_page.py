"""The catalogue page: every product, searched and paged, with its image or a placeholder."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from html import unescape

from starlette.testclient import TestClient

from tests.widget.catalog.samples import as_json, online_retail
from tests.widget.conftest import log_in
from widget.catalog import CatalogStore
from widget.platform.settings import Settings
from widget.platform.store import connect

CATALOGUE = "/dashboard/shops/shop-a/catalogue"
IMAGE = "https://cdn.example/85123A.jpg"
_ROW = re.compile(r'<th scope="row">([^<]+)</th>')


async def _body(data: bytes) -> AsyncIterator[bytes]:
    yield data


def upload(settings: Settings) -> list[str]:
    """Shop-a's catalogue: the first 300 Online Retail products, 85123A with an image."""
    rows = [dict(row) for row in online_retail()]
    rows[0] |= {"image_url": IMAGE}

    async def run() -> None:
        store = await connect(str(settings.redis_url))
        await CatalogStore(store, "shop-a").import_upload(_body(as_json(rows)), "json")
        await store.aclose()

    asyncio.run(run())
    return sorted(row["product_id"] for row in rows)


def test_every_product_is_listed_a_page_at_a_time(web: TestClient, settings: Settings) -> None:
    ids = upload(settings)
    log_in(web, "analyst@a.example")
    first = unescape(web.get(CATALOGUE).text)
    assert "300 products in the catalogue" in first and "Page 1 of 12 (1–25 of 300)" in first
    assert _ROW.findall(first) == ids[:25]
    last = unescape(web.get(f"{CATALOGUE}?page=12").text)
    assert _ROW.findall(last) == ids[275:] and 'rel="next"' not in last


def test_images_show_and_a_product_without_one_has_the_placeholder(
    web: TestClient, settings: Settings
) -> None:
    ids = upload(settings)
    log_in(web, "analyst@a.example")
    page = web.get(f"{CATALOGUE}?q=85123A")
    assert "img-src 'self' https:;" in page.headers["content-security-policy"]
    assert f'<span class="thumb"><img src="{IMAGE}" alt="" loading="lazy"' in page.text
    others = web.get(f"{CATALOGUE}?page=1").text
    assert others.count('<span class="thumb"></span>') == 25 - (ids.index("85123A") < 25)
    assert 'src=""' not in others


def test_search_finds_ids_and_titles(web: TestClient, settings: Settings) -> None:
    upload(settings)
    log_in(web, "analyst@a.example")
    hearts = [row for row in online_retail() if "heart" in row["title"].lower()]
    page = unescape(web.get(f"{CATALOGUE}?q=Heart").text)
    assert f"{len(hearts)} products whose id or title contains “Heart”" in page
    assert _ROW.findall(page) == sorted(row["product_id"] for row in hearts)[:25]
    assert _ROW.findall(web.get(f"{CATALOGUE}?q=85123a").text) == ["85123A"]
    assert "No product's id or title contains “no such thing”" in unescape(
        web.get(f"{CATALOGUE}?q=no+such+thing").text
    )


def test_a_page_past_the_last_or_a_long_search_is_a_400(
    web: TestClient, settings: Settings
) -> None:
    upload(settings)
    log_in(web, "analyst@a.example")
    past = web.get(f"{CATALOGUE}?page=13")
    assert past.status_code == 400 and "page: there are 12 pages, not 13" in past.text
    long = web.get(f"{CATALOGUE}?q={'x' * 201}")
    assert long.status_code == 400 and "q: must be at most 200 characters" in long.text
