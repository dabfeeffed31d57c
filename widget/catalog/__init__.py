"""A shop's catalogue: uploads from its backend or feeds, the store, and the index serving reads.

`api` serves `/v1/catalog` and `feed_api` imports from URLs and schedules feeds; `formats`
tells an upload's format (Basketlift's own, read by `parsers`, or a platform's export)
and reads it row by row into `rows`, with `prices` reading prices as shops write them;
`store` writes and reads products under `keys`; `fetch` and `feeds` bring catalogues from
URLs, `FeedSyncer` on a schedule; `index` holds a shop's catalogue in memory for the
recommendations path. Import direction: keys, errors, prices, rows -> parsers -> formats
-> store -> fetch, feeds -> index, feed_api, api; below them only `widget.platform`,
`tracker` and `billing`.
"""

from __future__ import annotations

from widget.catalog import api, keys
from widget.catalog.errors import CatalogUploadError
from widget.catalog.feeds import (
    Feed,
    FeedStore,
    FeedSyncer,
    feed_from,
    import_feed,
    options_from,
    resolve_options,
)
from widget.catalog.fetch import FeedFetcher
from widget.catalog.formats import FORMATS, FeedOptions, Format
from widget.catalog.index import CatalogIndex, reload_catalog
from widget.catalog.rows import UNLISTED_PRODUCT, Product
from widget.catalog.store import (
    CatalogStore,
    ImportResult,
    listed_products_of,
    product_ids_of,
)

__all__ = [
    "FORMATS",
    "UNLISTED_PRODUCT",
    "CatalogIndex",
    "CatalogStore",
    "CatalogUploadError",
    "Feed",
    "FeedFetcher",
    "FeedOptions",
    "FeedStore",
    "FeedSyncer",
    "Format",
    "ImportResult",
    "Product",
    "api",
    "feed_from",
    "import_feed",
    "keys",
    "listed_products_of",
    "options_from",
    "product_ids_of",
    "reload_catalog",
    "resolve_options",
]
