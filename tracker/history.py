"""A shop's history: what the archive holds, then what the stream still keeps.

A stream keeps a hot window only (`tracker.bound`); everything older is in the archive.
`read_archived` joins the two at the stream's first entry, so a reader sees every entry
once, oldest first, wherever it lives: `read_history` for the events, and billing reads
the order log the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any, TypeVar

from tracker import keys
from tracker.archive import Archive
from tracker.archive_rows import EVENTS, Kind, RawEntry, split_id
from tracker.reader import StreamEntry, read_stream, stream_entries, stream_id

E = TypeVar("E")


async def _first_id(redis: Any, stream: str) -> str | None:
    first = await redis.xrange(stream, count=1)
    return str(first[0][0]) if first else None


async def _archived(
    archive: Archive,
    kind: Kind,
    shop: str,
    since: datetime | None,
    after: str | None,
    before: str | None,
) -> list[RawEntry]:
    def read() -> list[RawEntry]:
        found = archive.entries(kind, shop, since, before)
        low = None if after is None else split_id(after)
        return [entry for entry in found if low is None or split_id(entry[0]) > low]

    return await asyncio.to_thread(read)


async def read_archived(
    redis: Any,
    kind: Kind,
    shop: str,
    stream: str,
    parse: Callable[[list[Any]], list[E]],
    since: datetime | None = None,
    until: datetime | None = None,
    archive: Archive | None = None,
    page_size: int = 1000,
) -> AsyncIterator[E]:
    """Every entry of `stream` (archived as `kind`) received in [since, until), oldest
    first, parsed by `parse`: from `archive` below the stream's first entry, then from the
    stream. Without an archive, the stream's. None: from the start, to the end."""
    end = None if until is None else split_id(stream_id(until))
    last: str | None = None
    if archive is not None:
        before = await _first_id(redis, stream)
        while True:
            for raw in await _archived(archive, kind, shop, since, last, before):
                if end is not None and split_id(raw[0]) >= end:
                    return
                yield parse([raw])[0]
                last = raw[0]
            # What was trimmed while the archive was read is read from it once more.
            first = await _first_id(redis, stream)
            if before is None or first == before:
                break
            before = first
    low = ("-" if since is None else stream_id(since)) if last is None else f"({last}"
    high = "+" if until is None else f"({stream_id(until)}"
    async for entry in read_stream(redis, stream, parse, low, high, page_size):
        yield entry


def read_history(
    redis: Any,
    shop: str,
    since: datetime,
    until: datetime | None = None,
    archive: Archive | None = None,
    page_size: int = 1000,
) -> AsyncIterator[StreamEntry]:
    """Every batch of events received in [since, until), oldest first, archived or kept."""
    stream = keys.event_stream(shop)
    return read_archived(
        redis, EVENTS, shop, stream, stream_entries, since, until, archive, page_size
    )
