"""Real orders for the demo's tests: the Online Retail subset shipped in the package."""

from __future__ import annotations

from functools import cache

from widget.demo.retail import PACKAGED, RetailData, RetailSource, read_retail


@cache
def packaged(latest: int = 300, max_products: int = 100) -> RetailData:
    return read_retail(
        RetailSource(PACKAGED, packaged=True), lambda done: None, latest, max_products
    )
