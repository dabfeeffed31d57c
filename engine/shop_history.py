"""A shop's whole history as one `EventTable`: the archive's columns, then the stream.

The archive's part is read a day at a time, only the columns rows are made of, and turned
into rows column by column (`engine.event_rows.archived_rows`); the stream's hot window,
small, is read as events. `tracker.history` joins the two, so every event counts once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from engine.event_rows import ARCHIVE_COLUMNS, archived_rows, event_rows
from engine.interactions import EventTable
from tracker.archive import Archive
from tracker.history import read_history_parts
from tracker.reader import StreamEntry
from tracker.schema import Event

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Stream events are turned into rows this many at a time, so few objects live at once.
_EVENTS_PER_PIECE = 50_000


def _no_progress(entries: int) -> None:
    pass


def _entries(table: pa.Table) -> int:
    """Stream entries among a table's rows (rows in stream order)."""
    ms, seq = table["entry_ms"].to_numpy(), table["entry_seq"].to_numpy()
    return 1 + int(np.count_nonzero((ms[1:] != ms[:-1]) | (seq[1:] != seq[:-1])))


async def read_event_table(
    redis: Any,
    shop: str,
    archive: Archive | None = None,
    progress: Callable[[int], None] = _no_progress,
) -> tuple[EventTable, int]:
    """Every product row of `shop` (`redis`: redis.asyncio; the older rows from `archive`
    when given) and the number of events read; `progress(entries)` after each piece, with
    the stream entries read so far."""
    pieces: list[pa.Table] = []
    pending: list[Event] = []
    events = entries = 0
    async for part in read_history_parts(redis, shop, archive, ARCHIVE_COLUMNS, _EPOCH):
        if isinstance(part, StreamEntry):
            pending.extend(part.events)
            events += len(part.events)
            entries += 1
            if len(pending) >= _EVENTS_PER_PIECE:
                pieces.append(event_rows(pending))
                pending = []
        else:
            pieces.append(await asyncio.to_thread(archived_rows, part))
            events += part.num_rows
            entries += _entries(part)
        progress(entries)
    pieces.append(event_rows(pending))
    table = await asyncio.to_thread(EventTable.from_rows, pieces)
    del pieces
    # arrow's allocator keeps the pieces' freed memory for reuse; training has no more use
    # for arrow and needs that memory for its models.
    pa.default_memory_pool().release_unused()
    return table, events
