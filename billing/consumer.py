"""The ledger's stream consumer: every shop's events and orders of record, into the ledger.

`LedgerUpdater` is one consumer of the consumer group `billing` over each shop's event
stream and order log. Entries are acknowledged only once applied; what a dead consumer
left pending is reclaimed; a replay counts once because every counting ledger entry
carries its `entry_id`, remembered while its stream entry is kept (`tracker.applied`: the
updater forgets the ids of what the streams trimmed). An entry for a locked period still
counts, as a late entry (an adjustment of the next invoice). An entry that can never
apply (an invalid amount, an order that cannot join an arm) is logged with its reason and
acknowledged: nothing is dropped silently. What counts how is `billing.contributions`,
shared with the recompute.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import time
from collections.abc import Iterable, Sequence
from typing import Any

from billing import keys
from billing.client_orders import record_client_order
from billing.contract_store import contract_versions
from billing.contracts import Contract
from billing.contributions import (
    Contribution,
    OrderOfRecord,
    RefundOfRecord,
    event_contributions,
    exposure_time,
    order_contributions,
    order_skip_reason,
    refund_contribution,
    terms_at,
)
from billing.errors import BillingError
from billing.ledger import LedgerOutcome, record_order, record_refund, record_visit
from billing.order_log import OrderLogEntry, OrderLogKeys, order_of_record
from billing.shop_readers import ShopReaders
from billing.unseen_rows import forget_unseen
from tracker.applied import events_and_orders
from tracker.consumer_loop import consume_until
from tracker.reader import StreamEntry

BILLING_GROUP = "billing"
CONCURRENT_CALLS = 32
log = logging.getLogger(__name__)

_Exposures = dict[str, datetime.datetime | None]


async def apply_contribution(
    redis: Any, shop: str, contribution: Contribution, received_ms: int | None = None
) -> LedgerOutcome:
    """Write one contribution; `late` (the period is invoiced: an adjustment) is logged.
    `received_ms`: the time of the stream entry it came from (None: now)."""
    c = contribution
    entry_id = c.entry_id if c.counts else None
    if c.kind == "visit":
        outcome = await record_visit(
            redis,
            shop,
            c.anonymous_id,
            c.day,
            exposed=c.exposed,
            page_views=c.page_views,
            recommendation_clicks=c.recommendation_clicks,
            entry_id=entry_id,
            received_ms=received_ms,
        )
    elif c.kind in ("order", "refund"):
        record = record_order if c.kind == "order" else record_refund
        outcome = await record(
            redis,
            shop,
            c.anonymous_id,
            c.day,
            c.amount_minor,
            entry_id=c.entry_id,
            received_ms=received_ms,
        )
    else:
        first = await record_client_order(redis, shop, c)
        outcome = "applied" if first else "duplicate"
    if outcome == "late":
        log.info("shop %s: %s counted late, the period of %s is locked", shop, c.entry_id, c.day)
    return outcome


async def exposures_of(redis: Any, shop: str, visitors: Iterable[str]) -> _Exposures:
    """Each visitor's moment of first exposure, None for none."""
    wanted = sorted(set(visitors))
    if not wanted:
        return {}
    records = await redis.hmget(keys.exposures(shop), wanted)
    return {visitor: exposure_time(record) for visitor, record in zip(wanted, records, strict=True)}


def _entry_ms(entry_id: str) -> int:
    return int(entry_id.split("-")[0])


class LedgerUpdater:
    """Applies every shop's new events and orders to the ledger, until stopped.

    `settle_ms`: entries younger than this wait, so that an exposure being written while
    its visitor's order arrives is in the store when the order is judged (as the
    recompute, run later, will see it). Every `forget_every_s` it forgets the applied ids
    of the stream entries trimmed since, and the unseen rows of months locked long enough
    (`billing.unseen_rows`).
    """

    def __init__(
        self,
        redis: Any,
        order_log: OrderLogKeys,
        *,
        consumer: str | None = None,
        group: str = BILLING_GROUP,
        idle_s: float = 1.0,
        reclaim_after_ms: int = 60_000,
        settle_ms: int = 2_000,
        forget_every_s: float = 60.0,
    ) -> None:
        self._redis = redis
        self._order_log = order_log
        self._idle_s = idle_s
        self._reclaim_after_ms = reclaim_after_ms
        self._settle_ms = settle_ms
        self._forget_every_s = forget_every_s
        self._forgotten_at = time.monotonic()
        self._readers = ShopReaders(redis, order_log.log, group, consumer)

    async def run_once(self, count: int = 500) -> int:
        """Apply what is waiting (and what dead consumers left); the number of entries."""
        applied = 0
        for shop in await self._readers.shops():
            events = await self._readers.events(shop)
            entries = await events.take(count, self._reclaim_after_ms)
            if entries:
                await self._settle(int(entry.id.split("-")[0]) for entry in entries)
                await self.apply_events(shop, entries)
                await events.ack([entry.id for entry in entries])
            orders = await self._readers.orders(shop)
            logged = await orders.take(count, self._reclaim_after_ms)
            if logged:
                await self._settle(entry.received_ms for entry in logged)
                await self.apply_orders(shop, logged)
                await orders.ack([entry.id for entry in logged])
            applied += len(entries) + len(logged)
        if time.monotonic() - self._forgotten_at >= self._forget_every_s:
            await self.forget_trimmed()
            for shop in await self._readers.shops():
                await forget_unseen(self._redis, shop, datetime.datetime.now(datetime.UTC))
        return applied

    async def forget_trimmed(self) -> int:
        """Forget the applied ids of stream entries trimmed; the minutes forgotten."""
        self._forgotten_at = time.monotonic()
        forgotten = 0
        for shop in await self._readers.shops():
            log_stream = self._order_log.log(shop)
            for applied in events_and_orders(shop, log_stream, keys.applied, keys.applied_minutes):
                forgotten += await applied.forget_trimmed(self._redis)
        return forgotten

    async def run(self, stop: asyncio.Event) -> None:
        """Apply new events and orders until `stop` is set."""
        await consume_until(stop, self.run_once, self._idle_s, log)

    async def apply_events(self, shop: str, entries: Sequence[StreamEntry]) -> None:
        """Apply a batch of stream entries (already delivered to this consumer)."""
        contracts = await contract_versions(self._redis, shop)
        found = [
            (_entry_ms(entry.id), contribution)
            for entry in entries
            for event in entry.events
            for contribution in event_contributions(
                event, terms_at(contracts, datetime.datetime.fromisoformat(event.received_at))
            )
        ]
        # The ledger's sums do not depend on the order of entries (ledger.lua), so a
        # batch's script calls go out together, a bounded number at a time.
        for start in range(0, len(found), CONCURRENT_CALLS):
            chunk = found[start : start + CONCURRENT_CALLS]
            await asyncio.gather(*(self._apply(shop, c, ms) for ms, c in chunk))

    async def apply_orders(self, shop: str, entries: Sequence[OrderLogEntry]) -> None:
        """Apply a batch of order log entries (already delivered to this consumer)."""
        contracts = await contract_versions(self._redis, shop)
        for entry in entries:
            try:
                found = await self._logged(shop, entry, contracts)
            except (LookupError, ValueError, ArithmeticError) as error:
                # A malformed entry would fail forever and hold up every entry after it.
                log.error("shop %s: order log entry %s not counted: %r", shop, entry.id, error)
                continue
            for contribution in found:
                await self._apply(shop, contribution, entry.received_ms)

    async def _logged(
        self, shop: str, entry: OrderLogEntry, contracts: list[Contract]
    ) -> tuple[Contribution, ...]:
        if entry.kind == "order":
            return await self._order(shop, OrderOfRecord.from_json(entry.body), contracts)
        if entry.kind != "refund":
            raise ValueError(f"unknown kind {entry.kind!r}")
        refund = RefundOfRecord.from_json(entry.body)
        order = await order_of_record(self._redis, self._order_log, shop, refund.order_id)
        contribution = refund_contribution(refund, order, terms_at(contracts, order.placed_at))
        return () if contribution is None else (contribution,)

    async def _order(
        self, shop: str, order: OrderOfRecord, contracts: list[Contract]
    ) -> tuple[Contribution, ...]:
        terms = terms_at(contracts, order.placed_at)
        reason = order_skip_reason(order, terms)
        if reason or order.anonymous_id is None:
            log.warning("shop %s: order %s not counted: %s", shop, order.order_id, reason)
            return ()
        exposures = await exposures_of(self._redis, shop, [order.anonymous_id])
        return order_contributions(order, exposures[order.anonymous_id], terms)

    async def _apply(self, shop: str, contribution: Contribution, received_ms: int) -> None:
        try:
            await apply_contribution(self._redis, shop, contribution, received_ms)
        except BillingError as error:
            # Invalid for good: retrying cannot help, so it is logged and passed.
            log.error("shop %s: %s not counted: %s", shop, contribution.entry_id, error)

    async def _settle(self, received_ms: Iterable[int]) -> None:
        wait_ms = max(received_ms) + self._settle_ms - time.time() * 1000
        if wait_ms > 0:
            await asyncio.sleep(wait_ms / 1000)
