"""A shop's history: what the archive holds, then what the stream still keeps.

A stream keeps a hot window only (`tracker.bound`); everything older is in the archive.
`read_archived` joins the two at the stream's first entry, so a reader sees every entry
once, oldest first, wherever it lives: `read_history` for the events (billing reads the
order log the same way), and `read_history_parts` for readers that take the archive's part
as Arrow tables (columns, without an object per event).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

import pyarrow as pa

from tracker import keys
from tracker.archive import Archive
from tracker.archive_rows import ENTRIES_OF, EVENTS, Kind, last_entry_id, split_id
from tracker.reader import StreamEntry, read_stream, stream_entries, stream_id

Part = TypeVar("Part")
E = TypeVar("E")
# Reads the archived part with ids above `after` and below `before` (either may be None):
# pieces in stream order, each with the id of its last entry, read as they are asked for.
ArchivedReader = Callable[[str | None, str | None], Iterator[tuple[str, Part]]]


async def _first_id(redis: Any, stream: str) -> str | None:
    first = await redis.xrange(stream, count=1)
    return str(first[0][0]) if first else None


def _lower(first: str | None, second: str | None) -> str | None:
    if first is None or second is None:
        return second if first is None else first
    return min(first, second, key=split_id)


async def _joined(
    redis: Any,
    stream: str,
    parse: Callable[[list[Any]], list[E]],
    since: datetime | None,
    until: datetime | None,
    read_archived: ArchivedReader[Part] | None,
    page_size: int,
) -> AsyncIterator[Part | E]:
    """The archived pieces below the stream's first entry, then the stream's entries."""
    end = None if until is None else stream_id(until)
    last: str | None = None
    if read_archived is not None:
        before = await _first_id(redis, stream)
        while True:
            pieces = read_archived(last, _lower(before, end))
            # A piece (a day of the archive) at a time, read off the event loop.
            while (found := await asyncio.to_thread(next, pieces, None)) is not None:
                yield found[1]
                last = found[0]
            # What was trimmed while the archive was read is read from it once more.
            first = await _first_id(redis, stream)
            if before is None or first == before:
                break
            before = first
    low = ("-" if since is None else stream_id(since)) if last is None else f"({last}"
    high = "+" if end is None else f"({end}"
    async for entry in read_stream(redis, stream, parse, low, high, page_size):
        yield entry


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

    def archived(after: str | None, before: str | None) -> Iterator[tuple[str, list[E]]]:
        assert archive is not None
        for table in archive.tables(kind, shop, None, since, after, before):
            yield last_entry_id(table), parse(list(ENTRIES_OF[kind](table, shop)))

    reader = None if archive is None else archived
    async for part in _joined(redis, stream, parse, since, until, reader, page_size):
        if isinstance(part, list):
            for entry in part:
                yield entry
        else:
            yield part


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


def read_history_parts(
    redis: Any,
    shop: str,
    archive: Archive | None,
    columns: Sequence[str],
    since: datetime,
    until: datetime | None = None,
    page_size: int = 1000,
) -> AsyncIterator[pa.Table | StreamEntry]:
    """`read_history` with the archive's part as tables of `columns` (and the entry ids),
    a day a table, then the stream's entries."""

    def archived(after: str | None, before: str | None) -> Iterator[tuple[str, pa.Table]]:
        assert archive is not None
        for table in archive.tables(EVENTS, shop, columns, since, after, before):
            yield last_entry_id(table), table

    reader = None if archive is None else archived
    stream = keys.event_stream(shop)
    return _joined(redis, stream, stream_entries, since, until, reader, page_size)
