from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import orjson
import pytest

from tests.widget.catalog.samples import as_json, online_retail
from widget.catalog.index import CatalogIndex, catalog_version, load_catalog, reload_catalog
from widget.catalog.store import CatalogStore

pytestmark = pytest.mark.anyio
PRODUCTS = online_retail()


async def body(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def upload(store: Any, rows: Any) -> None:
    await CatalogStore(store, "shop").import_upload(body(as_json(rows)), "json")


async def test_the_index_holds_the_catalogue_in_product_order(store: Any) -> None:
    rows = [*PRODUCTS[:50], {**PRODUCTS[50], "in_stock": False, "category": ""}]
    await upload(store, rows)
    index = await load_catalog(store, "shop")
    assert (len(index), index.version) == (51, 1)
    assert index.product_ids == sorted(p["product_id"] for p in rows)
    i = index.index_of["85123A"]
    assert index.product_ids[i] == "85123A" and index.price[i] == 2.55
    assert index.categories[index.category_id[i]] == "Gifts > Holder"
    assert index.price.dtype == np.float64 and index.category_id.dtype == np.int32
    j = index.index_of[PRODUCTS[50]["product_id"]]
    assert not index.in_stock[j] and index.categories[index.category_id[j]] == ""
    assert int(index.in_stock.sum()) == 50


async def test_shown_gives_what_a_widget_shows(store: Any) -> None:
    await upload(store, [{**PRODUCTS[0], "image_url": "https://cdn.example/85123A.jpg"}])
    index = await load_catalog(store, "shop")
    assert orjson.loads(orjson.dumps(index.shown(0, "viewed with 22423"))) == {
        "product_id": "85123A",
        "title": "WHITE HANGING HEART T-LIGHT HOLDER",
        "url": "https://shop.example/p/85123A",
        "image_url": "https://cdn.example/85123A.jpg",
        "price": "2.55",
        "currency": "GBP",
        "reason": "viewed with 22423",
    }


async def test_categories_are_shared_full_paths(store: Any) -> None:
    await upload(store, PRODUCTS)
    index = await load_catalog(store, "shop")
    assert index.categories == sorted({p["category"] for p in PRODUCTS})
    holders = [i for i, c in enumerate(index.category_id) if index.categories[c].endswith("Holder")]
    assert {index.product_ids[i] for i in holders} == {
        p["product_id"] for p in PRODUCTS if p["category"] == "Gifts > Holder"
    }


async def test_an_index_is_reloaded_only_when_the_version_moves(store: Any) -> None:
    empty = await load_catalog(store, "shop")
    assert (len(empty), empty.version, await catalog_version(store, "shop")) == (0, 0, 0)
    await upload(store, PRODUCTS[:10])
    first = await reload_catalog(store, "shop", empty)
    assert len(first) == 10 and await reload_catalog(store, "shop", first) is first
    await CatalogStore(store, "shop").delete(PRODUCTS[0]["product_id"])
    second = await reload_catalog(store, "shop", first)
    assert (len(second), second.version) == (9, 2)


def test_an_index_can_be_built_from_stored_values() -> None:
    index = CatalogIndex.build(3, {"b": b'{"price":"1.50","title":"B"}', "a": '{"price":"0"}'})
    assert index.product_ids == ["a", "b"] and list(index.price) == [0.0, 1.5]
    assert list(index.in_stock) == [True, True] and index.categories == [""]


async def test_search_finds_ids_and_titles_ignoring_case(store: Any) -> None:
    quoted = {**PRODUCTS[1], "title": 'The "Café" Mug \\ Large'}
    await upload(store, [PRODUCTS[0], quoted, *PRODUCTS[2:40]])
    index = await load_catalog(store, "shop")
    found = [index.product_ids[i] for i in index.search("heart t-light")]
    assert "85123A" in found and all(
        "heart t-light" in index.fields(index.index_of[p])["title"].lower() for p in found
    )
    assert [index.product_ids[i] for i in index.search("85123a")] == ["85123A"]
    assert [index.product_ids[i] for i in index.search('"CAFÉ" MUG \\')] == [quoted["product_id"]]
    # a URL or a currency is no title: nothing matches on them
    assert index.search("shop.example") == [] and index.search("gbp") == []
    assert index.search("") == list(range(40))
