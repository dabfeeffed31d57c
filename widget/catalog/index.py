"""A shop's catalogue held in memory, for the recommendations path.

Built from the store's hash in HSCAN pages; `reload_catalog` keeps the index it has
while `catalog_version` has not moved. Products are in order of product id. Per product
it keeps the id, its index entry, the compact JSON of what a widget shows of it (written
once here, so that a response embeds it as it is) and three numpy columns for the rules.
Memory, measured with tracemalloc: about 200 bytes a product plus the length of its JSON.
The Online Retail catalogue (JSON of ~150 bytes) takes ~360 bytes a product, so 40,000
products ~15 MB; rows with image URLs and brands (~265 bytes) take ~470 bytes, 1 million
~470 MB.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from widget.catalog import keys as keys

SCAN_PAGE = 1000


@dataclass(frozen=True, eq=False)
class CatalogIndex:
    """The catalogue of one shop at `version`; arrays are indexed like `product_ids`.

    `price` is a float for the rules' price bands only: shown prices come from
    `shown(i, reason)`, as the decimal strings the shop sent. `category_id[i]` indexes
    `categories`, the full category paths ("" for products without one).
    """

    version: int
    product_ids: list[str]
    index_of: dict[str, int]
    price: npt.NDArray[np.float64]
    in_stock: npt.NDArray[np.bool_]
    category_id: npt.NDArray[np.int32]
    categories: list[str]
    # What `shown(i, reason)` embeds, as a JSON object without its closing brace.
    _shown: list[bytes]

    @classmethod
    def build(cls, version: int, stored: dict[str, str | bytes]) -> CatalogIndex:
        """From product id -> stored JSON, as the catalogue hash holds them."""
        product_ids = sorted(stored)
        fields = [orjson.loads(stored[product_id]) for product_id in product_ids]
        categories = sorted({f.get("category", "") for f in fields})
        category_of = {category: i for i, category in enumerate(categories)}
        return cls(
            version=version,
            product_ids=product_ids,
            index_of={product_id: i for i, product_id in enumerate(product_ids)},
            price=np.array([float(f["price"]) for f in fields], dtype=np.float64),
            in_stock=np.array([f.get("in_stock", True) for f in fields], dtype=np.bool_),
            category_id=np.array(
                [category_of[f.get("category", "")] for f in fields], dtype=np.int32
            ),
            categories=categories,
            _shown=[_shown(p, f) for p, f in zip(product_ids, fields, strict=True)],
        )

    def shown(self, i: int, reason: str) -> orjson.Fragment:
        """What a widget shows of product `i` (id, title, url, image_url, price, currency)
        and `reason`, as the JSON object a response embeds."""
        return orjson.Fragment(self._shown[i] + _reason_field(reason))

    def fields(self, i: int) -> dict[str, Any]:
        """What a widget shows of product `i`, as a dict (for pages, not the hot path)."""
        found: dict[str, Any] = orjson.loads(self._shown[i] + b"}")
        return found

    def search(self, query: str) -> list[int]:
        """The products whose id or title contains `query`, ignoring case, in id order.

        Reads the JSON each product is shown as (no other copy of the titles is kept):
        about 20 ms for 40,000 products, for a dashboard's search, never a visitor's.
        """
        wanted = query.casefold()
        if not wanted:
            return list(range(len(self.product_ids)))
        # JSON escapes a quote or a backslash: look for the needle as the JSON has it.
        escaped = orjson.dumps(wanted)[1:-1].decode()
        found = []
        for i, shown in enumerate(self._shown):
            if escaped in shown.decode().casefold():
                fields = self.fields(i)
                if (
                    wanted in fields["product_id"].casefold()
                    or wanted in (fields["title"] or "").casefold()
                ):
                    found.append(i)
        return found

    def __len__(self) -> int:
        return len(self.product_ids)


def _shown(product_id: str, fields: dict[str, Any]) -> bytes:
    shown = {
        "product_id": product_id,
        "title": fields.get("title"),
        "url": fields.get("url"),
        "image_url": fields.get("image_url"),
        "price": fields.get("price"),
        "currency": fields.get("currency"),
    }
    return orjson.dumps(shown)[:-1]


@lru_cache(maxsize=4096)
def _reason_field(reason: str) -> bytes:
    # Reasons repeat: a few fixed ones, and the model's "... with <product>" ones.
    return b',"reason":%s}' % orjson.dumps(reason)


async def catalog_version(redis: Any, shop: str) -> int:
    """The catalogue's version: 0 before the first upload, then one more per change."""
    return int(await redis.get(keys.catalog_version(shop)) or 0)


async def load_catalog(redis: Any, shop: str) -> CatalogIndex:
    """The whole catalogue of `shop`, read in HSCAN pages; `redis` is redis.asyncio."""
    # The version is read first: a change during the scan makes it stale, so the next
    # check loads again rather than keeping a mix under the newer number.
    version = await catalog_version(redis, shop)
    stored: dict[str, str | bytes] = {}
    cursor = 0
    while True:
        cursor, page = await redis.hscan(keys.catalog(shop), cursor, count=SCAN_PAGE)
        for product_id, value in page.items():
            stored[product_id.decode() if isinstance(product_id, bytes) else product_id] = value
        if cursor == 0:
            return CatalogIndex.build(version, stored)


async def reload_catalog(redis: Any, shop: str, previous: CatalogIndex | None) -> CatalogIndex:
    """`previous` while the version has not moved, else the catalogue loaded again.

    Fits `ShopCache(lambda shop, previous: reload_catalog(redis, shop, previous), ttl)`.
    """
    if previous is not None and await catalog_version(redis, shop) == previous.version:
        return previous
    return await load_catalog(redis, shop)
