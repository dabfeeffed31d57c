"""A period's statistics rebuilt from the raw events and orders alone, and compared with
the ledger's.

The records go through the same `billing.contributions` as the stream consumer, are
folded in memory as `ledger.lua` folds them (one row per visitor, seen on their first
seen day, each counting entry once), and summarised by `summarise_day`. Entries received
after the period's lock are left out, as the ledger refused them; an entry the consumer
applied late (after the lock) shows as a difference, which is the truth.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

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
from billing.day_statistics import daily_statistics
from billing.holdout import exposure_arm
from billing.keys import exposures
from billing.ledger import VisitorRow
from billing.order_log import OrderLogKeys, order_of_record, read_order_log
from billing.period_lock import PeriodLock
from billing.periods import Period
from billing.recompute import LedgerCheck, _summarise
from billing.sufficient import ArmStatistics, ExperimentStatistics
from billing.visitors import pooled_revenue_cap
from tracker.reader import read_range

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
    """The ledger's days against the rebuilt ones, and the client orders per day."""

    check: LedgerCheck
    client_orders_ledger: dict[datetime.date, int]
    client_orders_recomputed: dict[datetime.date, int]

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
        return self.check.matches and self.client_orders_ledger == self.client_orders_recomputed


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
) -> Rebuild:
    contributions = await period_contributions(redis, shop, period, order_log, lock)
    rows = fold(contributions)
    seen = {visitor: row for visitor, row in rows.items() if row.seen_day is not None}
    arms = await redis.hmget(exposures(shop), sorted(seen)) if seen else []
    by_day: defaultdict[datetime.date, list[tuple[bool, VisitorRow]]] = defaultdict(list)
    for visitor, arm in zip(sorted(seen), arms, strict=True):
        row = seen[visitor]
        assert row.seen_day is not None
        by_day[row.seen_day].append((exposure_arm(arm) == "treatment", row))
    recomputed = {
        day: _summarise(by_day[day], currency, revenue_cap_minor) for day in sorted(by_day)
    }
    stored = await daily_statistics(redis, shop, period, currency, revenue_cap_minor)
    pooled = pooled_revenue_cap([row.counted_revenue for row in seen.values()])
    client_orders: dict[str, datetime.date] = {}
    for found in contributions:
        if found.kind == "client_order":
            client_orders.setdefault(found.order_id, found.day)
    return Rebuild(
        LedgerCheck(stored, recomputed, pooled),
        await client_orders_per_day(redis, shop, period),
        count_per_day(client_orders.values()),
    )


async def period_contributions(
    redis: Any, shop: str, period: Period, order_log: OrderLogKeys, lock: PeriodLock | None
) -> list[Contribution]:
    """Every contribution to the period's days, in the order the records arrived."""
    cutoff_ms = None if lock is None else int(lock.locked_at.timestamp() * 1000)
    contracts = await contract_versions(redis, shop)
    start, end = (
        datetime.datetime.combine(day, datetime.time(), datetime.UTC)
        for day in (period.first_day, period.next().first_day)
    )
    found: list[Contribution] = []
    async for entry in read_range(redis, shop, start - _MARGIN, end + _MARGIN):
        if cutoff_ms is not None and int(entry.id.split("-")[0]) > cutoff_ms:
            continue
        for event in entry.events:
            at = datetime.datetime.fromisoformat(event.received_at)
            found += event_contributions(event, terms_at(contracts, at))
    orders: dict[str, OrderOfRecord] = {}
    # Orders arrive whenever a shop sends them, so the whole log is read.
    async for logged in read_order_log(redis, order_log.log(shop)):
        if cutoff_ms is not None and logged.received_ms > cutoff_ms:
            continue
        if logged.kind == "order":
            order = OrderOfRecord.from_json(logged.body)
            orders[order.order_id] = order
            visitor = [order.anonymous_id] if order.anonymous_id else []
            exposed = await exposures_of(redis, shop, visitor)
            terms = terms_at(contracts, order.placed_at)
            found += order_contributions(order, exposed.get(order.anonymous_id or ""), terms)
        elif logged.kind == "refund":
            refund = RefundOfRecord.from_json(logged.body)
            order = orders.get(refund.order_id) or await order_of_record(
                redis, order_log, shop, refund.order_id
            )
            refunded = refund_contribution(refund, order, terms_at(contracts, order.placed_at))
            found += [] if refunded is None else [refunded]
    return [contribution for contribution in found if Period.of(contribution.day) == period]


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
