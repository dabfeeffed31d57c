"""A shop's catalogue: uploads from its backend, the store, and the index serving reads.

`api` serves `/v1/catalog`; `parsers` read uploads row by row into `rows`; `store` writes
and reads them under `keys`; `index` holds a shop's catalogue in memory for the
recommendations path. Import direction: keys, rows -> parsers -> store, index -> api;
below them only `widget.platform` and `tracker`.
"""

from __future__ import annotations

from widget.catalog import api, keys
from widget.catalog.index import CatalogIndex, reload_catalog
from widget.catalog.parsers import CatalogUploadError, Format
from widget.catalog.rows import Product
from widget.catalog.store import CatalogStore, ImportResult

__all__ = [
    "CatalogIndex",
    "CatalogStore",
    "CatalogUploadError",
    "Format",
    "ImportResult",
    "Product",
    "api",
    "keys",
    "reload_catalog",
]
