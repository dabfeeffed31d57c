"""The archiver: every shop's event stream and order log, into the archive of record.

`Archiver` is one consumer of the consumer group `archive` over each shop's event stream
(the server's `Exposure Recorded` events included) and order log. What it reads stays
pending while it is buffered; a flush writes the buffer to the archive and only then
acknowledges it. A crash between the two leaves the entries pending: they are read again
(by this consumer's successor, or reclaimed by another one) and the archive, which knows
the ids it holds, adds nothing twice. Every `bound_every_s` it bounds the streams it
archives (`tracker.bound`): the hot window is kept, older entries go once every group has
acknowledged them, and consumers that died leave their groups.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable
from typing import Any

from tracker import keys
from tracker.archive import Archive
from tracker.archive_rows import EVENTS, ORDERS, Kind, RawEntry
from tracker.bound import bound_stream
from tracker.consumer_loop import consume_until
from tracker.reader import GroupReader

ARCHIVE_GROUP = "archive"
log = logging.getLogger(__name__)

_Key = tuple[Kind, str]


def _raw(entries: list[Any]) -> list[RawEntry]:
    return [(entry_id, fields) for entry_id, fields in entries if fields]


class Archiver:
    """Moves every shop's events and orders of record into `archive`, until stopped.

    `order_log(shop)` names a shop's order log (it belongs to the app, not the tracker).
    A flush comes once `flush_rows` rows are buffered or the oldest is `flush_after_s` old.
    `hot_window_ms`: how long entries stay in the streams; None leaves the streams whole.
    """

    def __init__(
        self,
        redis: Any,
        archive: Archive,
        order_log: Callable[[str], str],
        *,
        consumer: str | None = None,
        group: str = ARCHIVE_GROUP,
        idle_s: float = 1.0,
        reclaim_after_ms: int = 60_000,
        flush_rows: int = 100_000,
        flush_after_s: float = 5.0,
        hot_window_ms: int | None = 48 * 3_600_000,
        dead_after_ms: int = 600_000,
        bound_every_s: float = 60.0,
    ) -> None:
        self._redis = redis
        self._archive = archive
        self._order_log = order_log
        self.group = group
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}"
        self._idle_s = idle_s
        self._reclaim_after_ms = reclaim_after_ms
        self._flush_rows = flush_rows
        self._flush_after_s = flush_after_s
        self._hot_window_ms = hot_window_ms
        self._dead_after_ms = dead_after_ms
        self._bound_every_s = bound_every_s
        self._readers: dict[_Key, GroupReader[RawEntry]] = {}
        self._buffer: dict[_Key, dict[str, RawEntry]] = {}
        self._buffered_rows = 0
        self._oldest: float | None = None
        self._cleared = False
        self._bounded_at = time.monotonic()

    def _stream(self, kind: Kind, shop: str) -> str:
        return keys.event_stream(shop) if kind == EVENTS else self._order_log(shop)

    async def _reader(self, kind: Kind, shop: str) -> GroupReader[RawEntry]:
        reader = self._readers.get((kind, shop))
        if reader is None:
            stream = self._stream(kind, shop)
            reader = GroupReader(self._redis, stream, self.group, self.consumer, _raw)
            await reader.ensure_group("0")
            self._readers[(kind, shop)] = reader
        return reader

    async def run_once(self, count: int = 500) -> int:
        """Read what is waiting (and what dead consumers left), flush when due; the number
        of entries read."""
        read = 0
        for shop in sorted(await self._redis.smembers(keys.SHOPS_INDEX)):
            for kind in (EVENTS, ORDERS):
                reader = await self._reader(kind, shop)
                entries = await reader.take(count, self._reclaim_after_ms)
                self._keep(kind, shop, entries)
                read += len(entries)
        if self._buffered_rows >= self._flush_rows or (
            self._oldest is not None and time.monotonic() - self._oldest >= self._flush_after_s
        ):
            await self.flush()
        if time.monotonic() - self._bounded_at >= self._bound_every_s:
            await self.bound()
        return read

    def _keep(self, kind: Kind, shop: str, entries: list[RawEntry]) -> None:
        if not entries:
            return
        buffered = self._buffer.setdefault((kind, shop), {})
        for entry_id, fields in entries:
            if entry_id not in buffered:
                buffered[entry_id] = (entry_id, fields)
                self._buffered_rows += int(fields.get("n", 1))
        if self._oldest is None:
            self._oldest = time.monotonic()

    async def flush(self) -> int:
        """Write what is buffered, then acknowledge it; the rows added to the archive."""
        added = 0
        for (kind, shop), buffered in list(self._buffer.items()):
            entries = list(buffered.values())
            added += await asyncio.to_thread(self._archive.write, kind, shop, entries)
            reader = await self._reader(kind, shop)
            await reader.ack(list(buffered))
            del self._buffer[(kind, shop)]
        self._buffered_rows = 0
        self._oldest = None
        return added

    async def bound(self) -> int:
        """Bound every archived stream; the entries trimmed. The first time, also clear
        what crashed flushes left in the archive."""
        if not self._cleared:
            self._cleared = True
            await asyncio.to_thread(self._archive.remove_leftovers)
        self._bounded_at = time.monotonic()
        trimmed = 0
        window = self._hot_window_ms
        for kind, shop in list(self._readers):
            bounded = await bound_stream(
                self._redis,
                self._stream(kind, shop),
                window if window is not None else 2**62,
                self._dead_after_ms,
                [self.group],
            )
            trimmed += bounded.trimmed
            if bounded.consumers_removed:
                log.info(
                    "shop %s: %d dead consumers left the %s stream's groups",
                    shop,
                    bounded.consumers_removed,
                    kind,
                )
        return trimmed

    async def run(self, stop: asyncio.Event) -> None:
        """Archive until `stop` is set, then flush what is buffered."""
        await consume_until(stop, self.run_once, self._idle_s, log)
        await self.flush()
