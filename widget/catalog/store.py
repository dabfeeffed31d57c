"""A shop's catalogue in the store: uploads written in batches, products read back.

Products live in one hash (product id -> compact JSON); a version counter moves once per
upload or deletion that changed it, so that servers notice changes with one GET. Every
upload takes the next generation number and marks each product it names with it; a
replacing upload then deletes, page by page, the products marked by older uploads, so
that no set of a million ids is ever held in memory. A second hash maps the ids of
products' variants to their product, for orders that name a variant (`product_ids_of`),
and figures that count only what the catalogue lists (`listed_products_of`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

from widget.catalog import keys as keys
from widget.catalog.errors import CatalogUploadError
from widget.catalog.formats import FeedOptions, Format, SourceRow, detect, read_source
from widget.catalog.parsers import MAX_UPLOAD_BYTES, limited
from widget.catalog.rows import Delete, Product, Rejection, Upsert, validate

BATCH_ROWS = 500
MAX_REPORTED_REJECTIONS = 1000
SCAN_PAGE = 1000
MAX_PAGE = 1000

# A product named by a rejected row of a replacing upload stays, in its stored version.
_MARK_PRESENT = """
for i = 2, #ARGV do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[1])
  end
end
return 0
"""
# Checked again here, atomically: a concurrent upload may have just marked the product.
_DELETE_OLDER = """
local deleted = 0
for i = 2, #ARGV do
  local generation = tonumber(redis.call('HGET', KEYS[2], ARGV[i]))
  if generation and generation < tonumber(ARGV[1]) then
    deleted = deleted + redis.call('HDEL', KEYS[1], ARGV[i])
    redis.call('HDEL', KEYS[2], ARGV[i])
  end
end
return deleted
"""


@dataclass(frozen=True)
class ImportResult:
    """What an upload did; `rejected` lists at most the first 1000 of `rejected_count`."""

    upserted: int
    deleted: int
    rejected: tuple[Rejection, ...]
    rejected_count: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "upserted": self.upserted,
            "deleted": self.deleted,
            "rejected": [rejection.as_dict() for rejection in self.rejected],
            "rejected_count": self.rejected_count,
        }


# The store's scan cursor (below 2^64) and the rows of its page already given, in ASCII.
CURSOR_PATTERN = r"[0-9]{1,19}\.[0-9]{1,19}"
_CURSOR = re.compile(CURSOR_PATTERN)


class InvalidCursor(ValueError):
    """A listing cursor this store did not make."""


class CatalogStore:
    """The catalogue of `shop`; `redis` is a redis.asyncio client decoding responses."""

    def __init__(self, redis: Any, shop: str, batch_rows: int = BATCH_ROWS) -> None:
        self._redis = redis
        self._shop = shop
        self._batch_rows = batch_rows
        self._catalog = keys.catalog(shop)
        self._upload_of = keys.upload_of(shop)
        self._variants = keys.variants(shop)

    async def get(self, product_id: str) -> Product | None:
        value = await self._redis.hget(self._catalog, product_id)
        return None if value is None else Product.from_stored(product_id, value)

    async def page(self, cursor: str | None, limit: int) -> tuple[list[Product], str | None]:
        """At most `limit` products in no set order, and the cursor of the next page.

        The cursor is a HSCAN cursor and how many of that scan step's products were
        already given, since a step may return more than `limit`.
        """
        scan_cursor, skip = _parse_cursor(cursor)
        products: list[Product] = []
        while True:
            next_cursor, found = await self._redis.hscan(self._catalog, scan_cursor, count=limit)
            step = list(found.items())[skip:]
            room = limit - len(products)
            if len(step) > room:
                products += [Product.from_stored(i, v) for i, v in step[:room]]
                return products, f"{scan_cursor}.{skip + room}"
            products += [Product.from_stored(i, v) for i, v in step]
            if next_cursor == 0:
                return products, None
            scan_cursor, skip = next_cursor, 0
            if len(products) == limit:
                return products, f"{scan_cursor}.0"

    async def delete(self, product_id: str) -> bool:
        product = await self.get(product_id)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hdel(self._catalog, product_id)
            pipe.hdel(self._upload_of, product_id)
            if product is not None and product.variants:
                pipe.hdel(self._variants, *product.variants)
            removed, *_ = await pipe.execute()
        if removed:
            await self._redis.incr(keys.catalog_version(self._shop))
        return bool(removed)

    async def import_upload(
        self,
        chunks: AsyncIterator[bytes],
        fmt: Format | None,
        replace: bool = False,
        options: FeedOptions | None = None,
    ) -> ImportResult:
        """Parse, validate and store an upload's body, given as chunks of bytes; `fmt`
        None tells the format from the content."""
        body = limited(chunks, MAX_UPLOAD_BYTES)
        if fmt is None:
            fmt, body = await detect(body)
        return await self.import_rows(read_source(body, fmt, options or FeedOptions()), replace)

    async def import_rows(self, rows: AsyncIterator[SourceRow], replace: bool) -> ImportResult:
        """Upsert and delete row by row, in batches; `replace` deletes every product unnamed.

        When the upload is refused part way, the rows before the refusal are stored
        (sending it again is harmless) and nothing is deleted for `replace`.
        """
        generation = int(await self._redis.incr(keys.upload_counter(self._shop)))
        batch = _Batch(generation, replace)
        upserted = deleted = rejected_count = 0
        rejected: list[Rejection] = []
        row = 0
        try:
            async for source in rows:
                row += 1
                outcome = batch.add(_named(validate(source.row, source.raw), source))
                if isinstance(outcome, Upsert):
                    upserted += 1
                elif isinstance(outcome, Rejection):
                    rejected_count += 1
                    if len(rejected) < MAX_REPORTED_REJECTIONS:
                        rejected.append(outcome)
                if batch.size >= self._batch_rows:
                    deleted += await self._write(batch)
            deleted += await self._write(batch)
            if replace:
                deleted += await self._delete_older(generation)
        except CatalogUploadError as error:
            deleted += await self._write(batch)
            reason = f"{error.reason} (the {row} rows before it were read; valid ones are stored)"
            raise type(error)(reason, error.field) from None
        finally:
            if upserted or deleted:
                await self._redis.incr(keys.catalog_version(self._shop))
        return ImportResult(upserted, deleted, tuple(rejected), rejected_count)

    async def _write(self, batch: _Batch) -> int:
        """Write and empty the batch; the number of products its deletions removed."""
        if not batch.size:
            return 0
        has_deletes = bool(batch.deletes)
        async with self._redis.pipeline(transaction=False) as pipe:
            if batch.deletes:
                pipe.hdel(self._catalog, *batch.deletes)  # first: its reply is the count
                pipe.hdel(self._upload_of, *batch.deletes)
            if batch.upserts:
                # The mark goes first: a sweep running meanwhile must not see the new
                # product with an old mark.
                pipe.hset(self._upload_of, mapping=dict.fromkeys(batch.upserts, batch.generation))
                pipe.hset(self._catalog, mapping=batch.upserts)
            if batch.variants:
                pipe.hset(self._variants, mapping=batch.variants)
            if batch.present:
                keys_and_args = (self._catalog, self._upload_of, batch.generation, *batch.present)
                pipe.eval(_MARK_PRESENT, 2, *keys_and_args)
            replies = await pipe.execute()
        batch.clear()
        return int(replies[0]) if has_deletes else 0

    async def _delete_older(self, generation: int) -> int:
        deleted = 0
        cursor = 0
        while True:
            cursor, marks = await self._redis.hscan(self._upload_of, cursor, count=SCAN_PAGE)
            older = [product for product, mark in marks.items() if int(mark) < generation]
            if older:
                deleted += int(
                    await self._redis.eval(
                        _DELETE_OLDER, 2, self._catalog, self._upload_of, generation, *older
                    )
                )
            if cursor == 0:
                return deleted


class _Batch:
    """Rows waiting to be written; a later row for the same product replaces an earlier."""

    def __init__(self, generation: int, replace: bool) -> None:
        self.generation = generation
        self._replace = replace
        self.upserts: dict[str, bytes] = {}
        self.variants: dict[str, str] = {}
        self.deletes: set[str] = set()
        self.present: list[str] = []

    @property
    def size(self) -> int:
        return len(self.upserts) + len(self.deletes) + len(self.present)

    def add(self, outcome: Upsert | Delete | Rejection) -> Upsert | Delete | Rejection:
        if isinstance(outcome, Upsert):
            product_id = outcome.product.product_id
            self.deletes.discard(product_id)
            self.upserts[product_id] = outcome.product.stored()
            self.variants |= dict.fromkeys(outcome.product.variants, product_id)
        elif isinstance(outcome, Delete):
            self.upserts.pop(outcome.product_id, None)
            self.deletes.add(outcome.product_id)
        elif self._replace and outcome.product_id is not None:
            self.present.append(outcome.product_id)
        return outcome

    def clear(self) -> None:
        self.upserts.clear()
        self.variants.clear()
        self.deletes.clear()
        self.present.clear()


def _named(outcome: Upsert | Delete | Rejection, source: SourceRow) -> Upsert | Delete | Rejection:
    """The outcome, a rejection naming the source's own column of the field at fault."""
    if isinstance(outcome, Rejection) and outcome.field is not None:
        field = source.columns.get(outcome.field, outcome.field)
        return dataclasses.replace(outcome, field=field)
    return outcome


async def product_ids_of(redis: Any, shop: str, ids: Iterable[str]) -> dict[str, str]:
    """Each of `ids` -> the product it names: itself, unless it is only a variant's id;
    an id the catalogue does not know stays itself too."""
    listed = await listed_products_of(redis, shop, ids)
    return {i: product or i for i, product in listed.items()}


async def listed_products_of(redis: Any, shop: str, ids: Iterable[str]) -> dict[str, str | None]:
    """Each of `ids` -> the catalogue's product it names, None for an id it does not know;
    one round trip for all of them.

    An id that is a product's own stays itself even when some product lists it as a
    variant; a variant's id becomes its product's.
    """
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    async with redis.pipeline(transaction=False) as pipe:
        for product_id in wanted:
            pipe.hexists(keys.catalog(shop), product_id)
        pipe.hmget(keys.variants(shop), wanted)
        *is_product, variant_of = await pipe.execute()
    return {
        i: i if known else product
        for i, known, product in zip(wanted, is_product, variant_of, strict=True)
    }


def _parse_cursor(cursor: str | None) -> tuple[int, int]:
    if cursor is None:
        return 0, 0
    if not _CURSOR.fullmatch(cursor):
        raise InvalidCursor(f"not a cursor of this listing: {cursor!r}")
    scan, _, skip = cursor.partition(".")
    return int(scan), int(skip)
