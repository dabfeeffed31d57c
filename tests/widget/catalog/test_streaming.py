"""An upload is read, validated and written as it arrives: memory stays flat.

The one generated catalogue of the suite: large enough that holding it would show.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from widget.catalog import keys as catalog_keys
from widget.catalog.store import CatalogStore

pytestmark = pytest.mark.anyio
ROWS = 15_000
CHUNK = 64 * 1024


def generated(i: int) -> bytes:
    return orjson.dumps(
        {
            "product_id": f"G{i:06d}",
            "title": f"Generated product {i}, " + "long title " * 80,
            "url": f"https://shop.example/p/G{i:06d}",
            "price": f"{i % 500}.99",
            "currency": "EUR",
            "category": f"Home > Aisle {i % 30}",
        }
    )


async def upload(store: Any, seen: list[int]) -> AsyncIterator[bytes]:
    """A JSON array in 64 KiB chunks; notes how many products were stored at each chunk."""
    buffer = bytearray(b"[")
    for i in range(ROWS):
        buffer += (b"," if i else b"") + generated(i)
        if len(buffer) >= CHUNK:
            seen.append(await store.hlen(catalog_keys.catalog("big")))
            yield bytes(buffer)
            buffer.clear()
    yield bytes(buffer + b"]")


async def test_a_large_upload_is_stored_in_batches_with_flat_memory(store: Any) -> None:
    seen: list[int] = []
    tracemalloc.start()
    try:
        result = await CatalogStore(store, "big").import_upload(upload(store, seen), "json")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    body = sum(len(generated(i)) + 1 for i in range(ROWS))
    assert (result.upserted, result.rejected_count) == (ROWS, 0)
    assert await store.hlen(catalog_keys.catalog("big")) == ROWS
    # Rows reached the store while the body was still arriving, a batch at a time.
    assert seen[0] == 0 and 0 < seen[len(seen) // 2] < ROWS
    assert peak < body / 2, (peak, body)  # ~6 MB for any length: a batch, a chunk
