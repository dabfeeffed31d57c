"""The per-placement rollup: a stream consumer of every shop's events and orders of record.

`PlacementRollup` is one consumer of the consumer group `placements` over each shop's
event stream and order log (what counts how: `widget.placements.entries`). It keeps, per
shop, day and placement, impressions, clicks, click-attributed orders and revenue, and
per period and placement the count of each shown and each bought recommended item, so
that the long-tail share is computed when read, with the head of the current models.
Those per-product counts name products as the shop's catalogue lists them, looked up once
per batch of entries (`RollupEntry.listed`).

Restart-safe and idempotent: entries are acknowledged only once applied, a dead
consumer's entries are reclaimed, and every entry is counted atomically, with its id
(`event:<id>`, `order:<id>`) remembered while its stream entry is kept
(`widget.placements.writer`, `tracker.applied`), so a replay counts once.
An order waits until every event the group received before it is applied: after a
restart with a backlog, its visitor's clicks are always in the store when it is judged.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import math
import time
from collections.abc import Sequence
from typing import Any

from billing.contract_store import contract_versions
from billing.contracts import Contract
from billing.contributions import terms_at
from billing.order_log import OrderLogEntry
from billing.shop_readers import ShopReaders
from tracker import keys as tracker_keys
from tracker.applied import events_and_orders
from tracker.consumer_loop import consume_until
from tracker.reader import StreamEntry
from widget.catalog import listed_products_of, product_ids_of
from widget.orders import Order
from widget.orders import keys as orders_keys
from widget.placements import keys as keys
from widget.placements.entries import (
    ATTRIBUTION_WINDOW,
    Click,
    RollupEntry,
    event_entry,
    millis,
    order_entry,
)
from widget.placements.writer import PlacementWriter
from widget.platform.shop_config import load_config

_MILLISECOND = datetime.timedelta(milliseconds=1)
log = logging.getLogger(__name__)


def _entry_ms(entry_id: str) -> int:
    return int(entry_id.split("-")[0])


class PlacementRollup:
    """Applies every shop's new events and orders to the placement figures, until stopped."""

    def __init__(
        self,
        redis: Any,
        *,
        consumer: str | None = None,
        group: str = keys.PLACEMENTS_GROUP,
        idle_s: float = 1.0,
        reclaim_after_ms: int = 60_000,
        window: datetime.timedelta = ATTRIBUTION_WINDOW,
        forget_every_s: float = 60.0,
    ) -> None:
        self._redis = redis
        self._forget_every_s = forget_every_s
        self._forgotten_at = time.monotonic()
        self._idle_s = idle_s
        self._reclaim_after_ms = reclaim_after_ms
        self._window = window
        self._writer = PlacementWriter(redis)
        self._readers = ShopReaders(redis, orders_keys.order_log, group, consumer)

    async def run_once(self, count: int = 500) -> int:
        """Apply what is waiting (and what dead consumers left); the number of entries."""
        applied = 0
        for shop in await self._readers.shops():
            events = await self._readers.events(shop)
            entries = await events.take(count, self._reclaim_after_ms)
            if entries:
                await self.apply_events(shop, entries)
                await events.ack([entry.id for entry in entries])
            orders = await self._readers.orders(shop)
            # This consumer's own held-back orders first, then others' stuck ones, then new.
            logged = await orders.pending(count)
            logged += await orders.take(count, self._reclaim_after_ms)
            ready: list[OrderLogEntry] = []
            if logged:
                applied_before = await self.events_applied_before(shop)
                unique = {entry.id: entry for entry in logged}.values()
                ready = [entry for entry in unique if entry.received_ms < applied_before]
                await self.apply_orders(shop, ready)
                await orders.ack([entry.id for entry in ready])
            applied += len(entries) + len(ready)
        if time.monotonic() - self._forgotten_at >= self._forget_every_s:
            await self.forget_trimmed()
        return applied

    async def forget_trimmed(self) -> int:
        """Forget the counted ids of stream entries trimmed; the minutes forgotten."""
        self._forgotten_at = time.monotonic()
        forgotten = 0
        for shop in await self._readers.shops():
            log_stream = orders_keys.order_log(shop)
            for applied in events_and_orders(shop, log_stream, keys.applied, keys.applied_minutes):
                forgotten += await applied.forget_trimmed(self._redis)
        return forgotten

    async def run(self, stop: asyncio.Event) -> None:
        """Apply new events and orders until `stop` is set."""
        await consume_until(stop, self.run_once, self._idle_s, log)

    async def apply_events(self, shop: str, entries: Sequence[StreamEntry]) -> None:
        """Count a batch of stream entries, under the shop's placements as configured now;
        keep their clicks for attributing orders."""
        contracts = await contract_versions(self._redis, shop)
        known = (await load_config(self._redis, shop)).placements
        found: list[tuple[int, RollupEntry]] = []
        for entry in entries:
            for event in entry.events:
                at = datetime.datetime.fromisoformat(event.received_at)
                rolled = event_entry(event, terms_at(contracts, at).time_zone, known)
                if rolled is not None:
                    found.append((_entry_ms(entry.id), rolled))
        await self._writer.count(shop, "events", await self._listed(shop, found))

    async def apply_orders(self, shop: str, entries: Sequence[OrderLogEntry]) -> None:
        """Attribute a batch of order log entries to the clicks before them (refunds: none)."""
        contracts = await contract_versions(self._redis, shop)
        found: list[tuple[int, RollupEntry]] = []
        for entry in entries:
            if entry.kind != "order":
                continue
            try:
                rolled = await self._order(shop, Order.from_json(entry.body), contracts)
            except (LookupError, ValueError, ArithmeticError, TypeError) as error:
                # A malformed entry would fail forever and hold up every entry after it.
                log.error("shop %s: order log entry %s not rolled up: %r", shop, entry.id, error)
                continue
            if rolled is not None:
                found.append((entry.received_ms, rolled))
        await self._writer.count(shop, "orders", await self._listed(shop, found))

    async def events_applied_before(self, shop: str) -> float:
        """A time (ms) before which every event entry of the shop is applied by the group:
        the first entry not delivered yet, or the oldest delivered and not acknowledged."""
        stream = tracker_keys.event_stream(shop)
        groups = await self._redis.xinfo_groups(stream)
        group = self._readers.group
        delivered = next(g["last-delivered-id"] for g in groups if g["name"] == group)
        after = await self._redis.xrange(stream, min=f"({delivered}", count=1)
        bound = float(_entry_ms(after[0][0])) if after else math.inf
        pending = await self._redis.xpending(stream, group)
        if pending["pending"]:
            bound = min(bound, _entry_ms(pending["min"]))
        return bound

    async def _listed(
        self, shop: str, found: list[tuple[int, RollupEntry]]
    ) -> list[tuple[int, RollupEntry]]:
        """The entries naming products as the shop's catalogue lists them: one round trip
        for the whole batch, so that the rollup keeps up with the stream."""
        ids: set[str] = set()
        for _, entry in found:
            ids |= entry.products()
        product_of = await listed_products_of(self._redis, shop, ids)
        return [(received_ms, entry.listed(product_of)) for received_ms, entry in found]

    async def _order(
        self, shop: str, order: Order, contracts: list[Contract]
    ) -> RollupEntry | None:
        if order.anonymous_id is None:
            return None
        placed_ms = millis(order.placed_at)
        window_ms = self._window // _MILLISECOND
        stored = await self._redis.zrangebyscore(
            keys.clicks(shop, order.anonymous_id), placed_ms - window_ms, placed_ms, withscores=True
        )
        clicks = [Click.from_member(member, score) for member, score in stored]
        # Recommendations show products: lines naming a variant count for its product.
        order = order.naming_products(await product_ids_of(self._redis, shop, order.product_ids()))
        placed_at = datetime.datetime.fromisoformat(order.placed_at)
        return order_entry(order, clicks, terms_at(contracts, placed_at).time_zone, self._window)
