"""Readers of a shop's event stream, for engine and billing.

A stream entry is one accepted batch: `n` events as JSON lines. `StreamReader` is one
consumer in a consumer group: it reads new entries, acknowledges what it has processed,
and reclaims entries that a dead consumer left pending. `read_range` walks the stream
by time, for exports and recomputation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import redis.exceptions

from tracker import keys
from tracker.schema import Event

E = TypeVar("E")


@dataclass(frozen=True)
class StreamEntry:
    """The events of one accepted batch, with the entry's stream id (the order of arrival:
    `<milliseconds>-<sequence>`), which is what a consumer acknowledges."""

    id: str
    events: tuple[Event, ...]


def stream_entries(raw: list[Any]) -> list[StreamEntry]:
    """Parse raw entries of an event stream."""
    return [
        StreamEntry(
            entry_id,
            tuple(Event.from_payload(line) for line in fields["events"].split("\n")),
        )
        for entry_id, fields in raw
    ]


def stream_id(moment: datetime) -> str:
    """The first stream id at or after `moment`."""
    return f"{int(moment.timestamp() * 1000)}-0"


class GroupReader(Generic[E]):
    """One consumer of a consumer group over any stream; `parse` turns raw entries into
    values. `redis` is a redis.asyncio client."""

    def __init__(
        self,
        redis: Any,
        stream: str,
        group: str,
        consumer: str,
        parse: Callable[[list[Any]], list[E]],
    ) -> None:
        self._redis = redis
        self._stream = stream
        self._parse = parse
        self.group = group
        self.consumer = consumer

    async def ensure_group(self, start: str = "0") -> None:
        """Create the group (from the stream's start by default) unless it exists."""
        try:
            await self._redis.xgroup_create(self._stream, self.group, id=start, mkstream=True)
        except redis.exceptions.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    async def read(self, count: int = 500, block_ms: int | None = None) -> list[E]:
        """Entries never delivered to this group, now owned by this consumer until acked."""
        reply = await self._redis.xreadgroup(
            self.group, self.consumer, {self._stream: ">"}, count=count, block=block_ms
        )
        return self._parse(reply[0][1]) if reply else []

    async def pending(self, count: int = 500) -> list[E]:
        """Entries delivered to this consumer and not acknowledged (after a restart)."""
        reply = await self._redis.xreadgroup(
            self.group, self.consumer, {self._stream: "0"}, count=count
        )
        return self._parse(reply[0][1]) if reply else []

    async def take(self, count: int, reclaim_after_ms: int) -> list[E]:
        """What dead consumers left pending longer than `reclaim_after_ms`, then new entries."""
        claimed = await self.reclaim(reclaim_after_ms, count)
        return claimed + await self.read(count)

    async def ack(self, entry_ids: list[str]) -> int:
        if not entry_ids:
            return 0
        return int(await self._redis.xack(self._stream, self.group, *entry_ids))

    async def reclaim(self, min_idle_ms: int, count: int = 500) -> list[E]:
        """Take over entries pending for longer than `min_idle_ms` in any consumer."""
        claimed: list[E] = []
        cursor = "0-0"
        while True:
            reply = await self._redis.xautoclaim(
                self._stream, self.group, self.consumer, min_idle_ms, cursor, count=count
            )
            cursor, entries, deleted = reply[0], reply[1], reply[2] if len(reply) > 2 else []
            # Entries trimmed away while pending can never be processed: drop them.
            if deleted:
                await self.ack(list(deleted))
            claimed += self._parse([entry for entry in entries if entry[1]])
            if cursor == "0-0" or len(claimed) >= count:
                return claimed


class StreamReader(GroupReader[StreamEntry]):
    """One consumer of a consumer group over a shop's events."""

    def __init__(self, redis: Any, shop: str, group: str, consumer: str) -> None:
        super().__init__(redis, keys.event_stream(shop), group, consumer, stream_entries)


async def read_stream(
    redis: Any,
    stream: str,
    parse: Callable[[list[Any]], list[E]],
    start: str = "-",
    end: str = "+",
    page_size: int = 1000,
) -> AsyncIterator[E]:
    """Every entry of `stream` from `start` to `end` (XRANGE bounds), a page at a time."""
    while True:
        page = await redis.xrange(stream, min=start, max=end, count=page_size)
        for entry in parse(page):
            yield entry
        if len(page) < page_size:
            return
        start = "(" + page[-1][0]


def read_range(
    redis: Any,
    shop: str,
    since: datetime,
    until: datetime | None = None,
    page_size: int = 1000,
) -> AsyncIterator[StreamEntry]:
    """Every batch of events received in [since, until), oldest first."""
    end = f"({stream_id(until)}" if until else "+"
    return read_stream(
        redis, keys.event_stream(shop), stream_entries, stream_id(since), end, page_size
    )


async def stream_length(redis: Any, shop: str) -> int:
    """Entries (accepted batches) in the shop's stream."""
    return int(await redis.xlen(keys.event_stream(shop)))


async def group_backlog(redis: Any, stream: str) -> dict[str, int]:
    """Per consumer group of `stream`: entries not yet read plus those read and not yet
    acknowledged (0 = caught up). A group whose lag the server cannot tell (after
    deletions) counts every entry after the last one it read."""
    length = int(await redis.xlen(stream))
    if not length:
        return {}
    backlog = {}
    for group in await redis.xinfo_groups(stream):
        name = group["name"].decode() if isinstance(group["name"], bytes) else str(group["name"])
        lag = group.get("lag")
        unread = length - int(group.get("entries-read") or 0) if lag is None else int(lag)
        backlog[name] = unread + int(group["pending"])
    return backlog
