"""Live state of a shop, kept within seconds of its events: sessions, purchases, trending.

`LiveStateUpdater` is a consumer of the consumer group `live` over every shop's event
stream: each entry is applied by exactly one server process, however many there are.
It keeps, per session, the products it touched (the context of session-based
recommendations); per visitor, what they bought; per day, each product's interest. A
batch's changes and its acknowledgement are one transaction, so a replay counts nothing
twice.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

from tracker import keys as tracker_keys
from tracker.consumer_loop import consume_until
from tracker.reader import StreamEntry, StreamReader, stream_id
from tracker.schema import Event
from widget.events import keys

SESSION_LENGTH = 50
SESSION_TTL_S = 2 * 3600
VIEWS_TTL_S = 9 * 86_400
BOUGHT_TTL_S = 400 * 86_400
# How much one event says about interest in a product.
INTEREST = {"Product Viewed": 1.0, "Product Clicked": 1.0, "Product Added": 3.0}
_CONTEXT_TYPES = ("Product Viewed", "Product Clicked", "Product Added")
log = logging.getLogger(__name__)


def _millis(timestamp: str) -> int:
    return int(datetime.fromisoformat(timestamp).timestamp() * 1000)


def apply_entry(pipe: Any, entry: StreamEntry) -> None:
    """Queue on `pipe` the live-state changes one stream entry (one request) makes.

    A product's interest rises by each event type's weight once per entry, however many
    times the request names it: one client cannot move trending by more than a visitor."""
    interest: set[tuple[str, str, str]] = set()
    for event in entry.events:
        _apply_event(pipe, event, interest)
    for views, product, event_type in sorted(interest):
        pipe.zincrby(views, INTEREST[event_type], product)
        pipe.expire(views, VIEWS_TTL_S)


def _apply_event(pipe: Any, event: Event, interest: set[tuple[str, str, str]]) -> None:
    if event.bot:
        return
    shop, properties = event.shop, event.properties
    if event.type in _CONTEXT_TYPES:
        product = str(properties["product_id"])
        session = keys.session_items(shop, event.session_id)
        pipe.lpush(session, product)
        pipe.ltrim(session, 0, SESSION_LENGTH - 1)
        pipe.expire(session, SESSION_TTL_S)
        views = keys.daily_views(shop, event.received_at[:10].replace("-", ""))
        interest.add((views, product, event.type))
    elif event.type == "Order Completed":
        bought = keys.bought(shop, event.anonymous_id)
        at = _millis(event.timestamp)
        pipe.zadd(bought, {str(line["product_id"]): at for line in properties["products"]})
        pipe.expire(bought, BOUGHT_TTL_S)


class LiveStateUpdater:
    """Applies every shop's new events to the live state, until stopped."""

    def __init__(self, redis: Any, idle_s: float = 0.5, reclaim_after_ms: int = 60_000) -> None:
        self._redis = redis
        self._idle_s = idle_s
        self._reclaim_after_ms = reclaim_after_ms
        self._consumer = f"{socket.gethostname()}-{os.getpid()}"
        self._readers: dict[str, StreamReader] = {}

    async def run_once(self, count: int = 500) -> int:
        """Apply what is waiting (and what dead consumers left); the number of entries."""
        applied = 0
        for shop in await self._redis.smembers(tracker_keys.SHOPS_INDEX):
            reader = await self._reader(shop)
            entries = await reader.reclaim(self._reclaim_after_ms, count)
            entries += await reader.read(count)
            if entries:
                await self._apply(shop, entries)
                applied += len(entries)
        return applied

    async def run(self, stop: asyncio.Event) -> None:
        """Apply new events until `stop` is set."""
        await consume_until(stop, self.run_once, self._idle_s, log)

    async def _reader(self, shop: str) -> StreamReader:
        reader = self._readers.get(shop)
        if reader is None:
            reader = StreamReader(self._redis, shop, keys.LIVE_GROUP, self._consumer)
            # A new group starts a week back: enough for trending, not the whole history.
            await reader.ensure_group(stream_id(datetime.now(UTC) - timedelta(days=7)))
            self._readers[shop] = reader
        return reader

    async def _apply(self, shop: str, entries: list[StreamEntry]) -> None:
        # The changes and the acknowledgement in one transaction (one slot: the shop's
        # hash tag): a batch is applied and acknowledged whole or not at all, so a replay
        # after a failure (an OOM refusal, a lost connection) counts nothing twice.
        async with self._redis.pipeline(transaction=True) as pipe:
            for entry in entries:
                apply_entry(pipe, entry)
            pipe.xack(
                tracker_keys.event_stream(shop), keys.LIVE_GROUP, *[entry.id for entry in entries]
            )
            await pipe.execute()
