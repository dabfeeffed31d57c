"""A period's statistics rebuilt from the raw events and orders alone, and compared with
the ledger's.

The records go through the same `billing.contributions` as the stream consumer, are
folded in memory as `ledger.lua` folds them (one row per visitor, seen on their first
seen day, each counting entry once), and summarised by `summarise_day`. The locked days
are compared with the entries received up to the lock, and the corrected ones (locked plus
late) with all entries: an entry received before the lock but applied after it shows as a
difference of the locked days only, which is the truth. Pre-exposure revenue is the ledger's
own record (it depends on whether an order came before the exposure was stored), so the
covariate sums are checked from the rebuilt rows with the stored x.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from billing import keys
from billing.client_orders import client_orders_per_day, count_per_day
from billing.consumer import exposures_of
from billing.contract_store import contract_versions
from billing.contributions import (
    Contribution,
    OrderOfRecord,
    RefundOfRecord,
    event_contributions,
    order_contributions,
    refund_contribution,
    terms_at,
)
from billing.ledger import VisitorRow
from billing.order_log import OrderLogKeys, order_of_record, read_order_log
from billing.period_lock import PeriodLock
from billing.periods import Period
from billing.recompute import LedgerCheck, compare_rows, with_arms
from billing.sufficient import ArmStatistics, ExperimentStatistics
from tracker.archive import Archive
from tracker.history import read_history

# Any zone's day lies within a day of the UTC day: read that much more of the stream.
_MARGIN = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Difference:
    day: datetime.date
    arm: str
    field: str
    ledger: int
    recomputed: int


@dataclass(frozen=True)
class Rebuild:
    """The ledger's days against the rebuilt ones (locked, and once locked corrected), and
    the client orders per day."""

    check: LedgerCheck
    client_orders_ledger: dict[datetime.date, int]
    client_orders_recomputed: dict[datetime.date, int]
    corrected: LedgerCheck | None = None

    @property
    def differences(self) -> list[Difference]:
        found: list[Difference] = []
        empty = ExperimentStatistics("", None)
        for day in self.check.differing_days:
            stored = self.check.stored.get(day, empty)
            rebuilt = self.check.recomputed.get(day, empty)
            for arm in ("treatment", "holdout"):
                found += _arm_differences(day, arm, stored.arm(arm), rebuilt.arm(arm))
        return found

    @property
    def matches(self) -> bool:
        corrected = self.corrected is None or self.corrected.matches
        return (
            self.check.matches
            and corrected
            and self.client_orders_ledger == self.client_orders_recomputed
        )


def _arm_differences(
    day: datetime.date, arm: str, stored: ArmStatistics, rebuilt: ArmStatistics
) -> list[Difference]:
    return [
        Difference(day, arm, field.name, getattr(stored, field.name), getattr(rebuilt, field.name))
        for field in dataclasses.fields(ArmStatistics)
        if getattr(stored, field.name) != getattr(rebuilt, field.name)
    ]


async def rebuild_period(
    redis: Any,
    shop: str,
    period: Period,
    order_log: OrderLogKeys,
    currency: str,
    revenue_cap_minor: int | None,
    lock: PeriodLock | None = None,
    archive: Archive | None = None,
) -> Rebuild:
    received = await _received_contributions(redis, shop, period, order_log, archive)
    cutoff_ms = None if lock is None else _lock_ms(lock)
    before = [found for ms, found in received if cutoff_ms is None or ms <= cutoff_ms]
    cap = revenue_cap_minor
    rows = await _rows(redis, shop, before)
    check = await compare_rows(redis, shop, period, rows, currency, cap)
    corrected = None
    if lock is not None:
        every = await _rows(redis, shop, [found for _, found in received])
        corrected = await compare_rows(redis, shop, period, every, currency, cap, corrected=True)
    client_orders: dict[str, datetime.date] = {}
    for found in before:
        if found.kind == "client_order":
            client_orders.setdefault(found.order_id, found.day)
    return Rebuild(
        check,
        await client_orders_per_day(redis, shop, period),
        count_per_day(client_orders.values()),
        corrected,
    )


async def _rows(
    redis: Any, shop: str, contributions: list[Contribution]
) -> list[tuple[bool, VisitorRow]]:
    """The folded rows of the seen visitors, with their arms and stored pre-exposure revenue."""
    rows = fold(contributions)
    seen = sorted(visitor for visitor, row in rows.items() if row.seen_day is not None)
    before = await redis.hmget(keys.pre_exposure(shop), seen) if seen else []
    for visitor, revenue in zip(seen, before, strict=True):
        rows[visitor] = dataclasses.replace(
            rows[visitor], pre_exposure_revenue=max(int(revenue or 0), 0)
        )
    return await with_arms(redis, shop, rows)


def _lock_ms(lock: PeriodLock) -> int:
    return int(lock.locked_at.timestamp() * 1000)


async def period_contributions(
    redis: Any,
    shop: str,
    period: Period,
    order_log: OrderLogKeys,
    lock: PeriodLock | None,
    archive: Archive | None = None,
) -> list[Contribution]:
    """Every contribution to the period's days received up to the lock, in order of arrival
    (events and orders older than the streams' hot window from `archive`)."""
    received = await _received_contributions(redis, shop, period, order_log, archive)
    cutoff_ms = None if lock is None else _lock_ms(lock)
    return [found for ms, found in received if cutoff_ms is None or ms <= cutoff_ms]


async def _received_contributions(
    redis: Any, shop: str, period: Period, order_log: OrderLogKeys, archive: Archive | None
) -> list[tuple[int, Contribution]]:
    """(received ms, contribution) of every contribution to the period's days."""
    contracts = await contract_versions(redis, shop)
    start, end = (
        datetime.datetime.combine(day, datetime.time(), datetime.UTC)
        for day in (period.first_day, period.next().first_day)
    )
    found: list[tuple[int, Contribution]] = []
    async for entry in read_history(redis, shop, start - _MARGIN, end + _MARGIN, archive):
        received_ms = int(entry.id.split("-")[0])
        for event in entry.events:
            at = datetime.datetime.fromisoformat(event.received_at)
            counted = event_contributions(event, terms_at(contracts, at))
            found += [(received_ms, contribution) for contribution in counted]
    orders: dict[str, OrderOfRecord] = {}
    # Orders arrive whenever a shop sends them, so the whole log is read.
    async for logged in read_order_log(redis, shop, order_log.log(shop), archive):
        if logged.kind == "order":
            order = OrderOfRecord.from_json(logged.body)
            orders[order.order_id] = order
            visitor = [order.anonymous_id] if order.anonymous_id else []
            exposed = await exposures_of(redis, shop, visitor)
            terms = terms_at(contracts, order.placed_at)
            counted = order_contributions(order, exposed.get(order.anonymous_id or ""), terms)
            found += [(logged.received_ms, contribution) for contribution in counted]
        elif logged.kind == "refund":
            refund = RefundOfRecord.from_json(logged.body)
            order = orders.get(refund.order_id) or await order_of_record(
                redis, order_log, shop, refund.order_id
            )
            refunded = refund_contribution(refund, order, terms_at(contracts, order.placed_at))
            found += [] if refunded is None else [(logged.received_ms, refunded)]
    return [(ms, found_one) for ms, found_one in found if Period.of(found_one.day) == period]


def fold(contributions: Iterable[Contribution]) -> dict[str, VisitorRow]:
    """Each visitor's totals in the period, as `ledger.lua` keeps them."""
    rows: dict[str, VisitorRow] = {}
    applied: set[str] = set()
    for c in contributions:
        if c.kind == "client_order" or (c.counts and c.entry_id in applied):
            continue
        if c.counts:
            applied.add(c.entry_id)
        row = rows.get(c.anonymous_id, VisitorRow(None, 0, 0, 0, 0))
        seen = row.seen_day
        if c.exposed and (seen is None or c.day < seen):
            seen = c.day
        sign = -1 if c.kind == "refund" else 1
        rows[c.anonymous_id] = VisitorRow(
            seen,
            row.orders + (c.kind == "order"),
            row.revenue + sign * c.amount_minor,
            row.page_views + c.page_views,
            row.recommendation_clicks + c.recommendation_clicks,
        )
    return rows
