"""The demo shop's pages and catalogue: every product page is the example shop page `/demo/`
showing that product, so recommended items link to pages with widgets of their own.
The catalogue is uploaded through the catalogue API, as a shop's backend does."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

import orjson

from widget.demo.browser import ReplayError, answer_of, browser_client
from widget.demo.retail import CURRENCY, RetailProduct
from widget.demo.shop import DemoShop


def product_url(base_url: str, site_key: str, product: RetailProduct) -> str:
    query = {
        "site_key": site_key,
        "product_id": product.product_id,
        "price": str(product.price),
        "currency": CURRENCY,
    }
    return f"{base_url}/demo/?{urlencode(query)}"


def catalogue_rows(
    base_url: str, site_key: str, products: Iterable[RetailProduct]
) -> list[dict[str, Any]]:
    """Catalogue upload rows: the data's description and list price; it has no categories."""
    return [
        {
            "product_id": product.product_id,
            "title": product.title,
            "url": product_url(base_url, site_key, product),
            "price": str(product.price),
            "currency": CURRENCY,
            "in_stock": True,
        }
        for product in products
    ]


async def upload_catalogue(shop: DemoShop, products: Iterable[RetailProduct]) -> int:
    """`PUT /v1/catalog` as the shop's backend sends it (NDJSON); the number stored."""
    rows = catalogue_rows(shop.base_url, shop.site_key, products)
    body = b"".join(orjson.dumps(row) + b"\n" for row in rows)
    headers = {"Authorization": f"Bearer {shop.secret_key}", "Content-Type": "application/x-ndjson"}
    async with browser_client(shop.base_url) as http:
        answer = answer_of(await http.put("/v1/catalog", content=body, headers=headers))
    if answer["rejected"]:
        raise ReplayError(f"catalogue rows rejected: {answer['rejected'][:3]}")
    upserted: int = answer["upserted"]
    return upserted
