from __future__ import annotations

import asyncio
import datetime
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing import Arm, ArmStatistics, keys
from billing.consumer import LedgerUpdater
from billing.day_statistics import daily_statistics, late_statistics, period_statistics
from billing.errors import InvalidLedgerEntry, NotExposed
from billing.holdout import record_exposure
from billing.ledger import record_order, record_refund, record_visit
from billing.order_log import OrderLogKeys
from billing.period_lock import lock_period
from billing.periods import Period
from billing.recompute import check_ledger
from tests.billing.ledger_samples import ledger_entries
from tracker import keys as tracker_keys
from widget.platform.store import connect

pytestmark = pytest.mark.anyio
OCTOBER = Period(2026, 10)
AT = datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC)


def order_log(shop: str) -> str:
    return tracker_keys.shop_key(shop, "orders:log")


def order_of(shop: str, order_id: str) -> str:
    return tracker_keys.shop_key(shop, f"order:{order_id}")


def day(number: int) -> datetime.date:
    return datetime.date(2026, 10, number)


async def _exposed(store: Any, visitor: str, arm: Arm = "treatment") -> None:
    await record_exposure(store, "s", visitor, arm, AT)


async def _statistics(store: Any, cap: int | None = None) -> dict[datetime.date, Any]:
    return await daily_statistics(store, "s", OCTOBER, "EUR", cap)


async def test_a_visitor_is_one_row_on_their_first_seen_day(store: Any) -> None:
    await _exposed(store, "v1")
    await record_visit(store, "s", "v1", day(3), exposed=True, page_views=2, entry_id="e1")
    await record_order(store, "s", "v1", day(5), 4000, entry_id="o1")
    await record_order(store, "s", "v1", day(6), 1000, entry_id="o2")
    await record_visit(store, "s", "v1", day(6), exposed=True)
    days = await _statistics(store)
    assert list(days) == [day(3)]
    assert days[day(3)].treatment == ArmStatistics(
        visitors=1,
        converting_visitors=1,
        orders=2,
        orders_squares=4,
        net_revenue=5000,
        net_revenue_squares=5000**2,
        capped_revenue=5000,
        capped_revenue_squares=5000**2,
        capped_revenue_times_orders=10000,
        page_views=2,
    )


async def test_an_earlier_sighting_moves_the_row(store: Any) -> None:
    await _exposed(store, "v1", "holdout")
    await record_visit(store, "s", "v1", day(9), exposed=True)
    await record_visit(store, "s", "v1", day(2), exposed=True)
    days = await _statistics(store)
    assert list(days) == [day(2)] and days[day(2)].holdout.visitors == 1


async def test_activity_before_the_sighting_counts_once_seen(store: Any) -> None:
    await record_order(store, "s", "v1", day(4), 2500, entry_id="o1")
    assert await _statistics(store) == {}
    await _exposed(store, "v1")
    await record_visit(store, "s", "v1", day(4), exposed=True)
    assert (await _statistics(store))[day(4)].treatment.net_revenue == 2500


async def test_a_replayed_entry_counts_once(store: Any) -> None:
    await _exposed(store, "v1")
    await record_visit(store, "s", "v1", day(1), exposed=True)
    assert await record_order(store, "s", "v1", day(1), 700, entry_id="o1") == "applied"
    assert await record_order(store, "s", "v1", day(1), 700, entry_id="o1") == "duplicate"
    assert (await _statistics(store))[day(1)].treatment.orders == 1


async def test_refunds_are_deducted_and_after_the_lock_counted_late(store: Any) -> None:
    await _exposed(store, "v1")
    await record_visit(store, "s", "v1", day(1), exposed=True)
    await record_order(store, "s", "v1", day(1), 9000, entry_id="o1")
    await record_refund(store, "s", "v1", day(1), 2000, entry_id="r1")
    await lock_period(store, "s", OCTOBER, None, AT)
    assert await record_refund(store, "s", "v1", day(1), 3000, entry_id="r2") == "late"
    assert await record_refund(store, "s", "v1", day(1), 3000, entry_id="r2") == "duplicate"
    assert (await _statistics(store))[day(1)].treatment.net_revenue == 7000
    late = await late_statistics(store, "s", OCTOBER, "EUR", None)
    assert (late.treatment.net_revenue, late.treatment.visitors) == (-3000, 0)


async def test_a_seen_visitor_needs_an_exposure_and_counts_need_an_id(store: Any) -> None:
    with pytest.raises(NotExposed):
        await record_visit(store, "s", "v1", day(1), exposed=True)
    with pytest.raises(InvalidLedgerEntry):
        await record_visit(store, "s", "v1", day(1), page_views=1)
    with pytest.raises(InvalidLedgerEntry):
        await record_order(store, "s", "v1", day(1), 2**40, entry_id="o1")


async def test_cap_applies_on_reading_and_days_sum_to_the_period(store: Any) -> None:
    for visitor, revenue in (("a", 500), ("b", 12000), ("c", 30000)):
        await _exposed(store, visitor, "holdout" if visitor == "c" else "treatment")
        await record_visit(store, "s", visitor, day(len(visitor) + ord(visitor) % 3), exposed=True)
        await record_order(store, "s", visitor, day(1), revenue, entry_id=visitor)
    days = await _statistics(store, cap=10000)
    total = await period_statistics(store, "s", OCTOBER, "EUR", 10000)
    assert (total.treatment.capped_revenue, total.treatment.capped_visitors) == (10500, 1)
    assert (total.holdout.capped_revenue_squares, total.holdout.net_revenue) == (10**8, 30000)
    assert sum(days.values(), total.__class__("EUR", 10000)) == total


async def test_the_pooled_cap_is_fixed_once_at_lock(store: Any) -> None:
    revenues = [0] * 1990 + list(range(100, 1000, 100)) + [5000]
    for index, revenue in enumerate(revenues):
        await _exposed(store, f"v{index}")
        await record_visit(store, "s", f"v{index}", day(1), exposed=True)
        if revenue:
            await record_order(store, "s", f"v{index}", day(1), revenue, entry_id=f"o{index}")
    lock = await lock_period(store, "s", OCTOBER, None, AT)
    assert (lock.revenue_cap_minor, lock.cap_source) == (900, "pooled")
    later = await lock_period(store, "s", OCTOBER, 5, AT + datetime.timedelta(days=1))
    assert later == lock
    assert (await check_ledger(store, "s", OCTOBER, "EUR", 900)).pooled_cap_minor == 900


_entries = ledger_entries(visitors=8, amounts=3_000_000, max_size=60)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_entries, st.randoms(use_true_random=False))
def test_day_sums_equal_the_recompute_in_any_entry_order(
    clean_store: str, entries: list[tuple[int, str, int, int]], rng: random.Random
) -> None:
    async def apply(ordered: list[tuple[int, tuple[int, str, int, int]]]) -> Any:
        store = await connect(clean_store)
        await store.flushdb()
        for index, (visitor, kind, day_number, amount) in ordered:
            name, entry = f"v{visitor}", f"e{index}"
            await record_exposure(store, "s", name, ("treatment", "holdout")[visitor % 2], AT)
            if kind == "seen":
                await record_visit(store, "s", name, day(day_number), exposed=True)
            elif kind == "views":
                await record_visit(
                    store,
                    "s",
                    name,
                    day(day_number),
                    page_views=amount % 9,
                    recommendation_clicks=amount % 2,
                    entry_id=entry,
                )
            elif kind == "order":
                await record_order(store, "s", name, day(day_number), amount, entry_id=entry)
            else:
                await record_refund(store, "s", name, day(day_number), amount, entry_id=entry)
        check = await check_ledger(store, "s", OCTOBER, "EUR", 1_000_000)
        await store.aclose()
        return check

    indexed = list(enumerate(entries))
    first = asyncio.run(apply(indexed))
    rng.shuffle(indexed)
    second = asyncio.run(apply(indexed))
    assert first.matches and second.matches
    assert first.stored == second.stored


async def test_an_id_counts_once_until_its_stream_entry_is_trimmed(store: Any) -> None:
    minute = 1_790_000_040_000
    stream = tracker_keys.event_stream("s")
    await store.sadd(tracker_keys.SHOPS_INDEX, "s")
    await store.xadd(stream, {"n": 0}, id=f"{minute + 10}-0")
    for outcome in ("applied", "duplicate"):
        found = await record_visit(
            store, "s", "v1", day(3), page_views=1, entry_id="event:e1", received_ms=minute + 10
        )
        assert found == outcome
    ledger = LedgerUpdater(store, OrderLogKeys(order_log, order_of))
    assert await ledger.forget_trimmed() == 0
    await store.xadd(stream, {"n": 0}, id=f"{minute + 60_010}-0")
    await store.xtrim(stream, minid=f"{minute + 60_010}-0", approximate=False)
    assert await ledger.forget_trimmed() == 1
    assert not await store.exists(keys.applied("s", "events", minute))
    assert await store.zcard(keys.applied_minutes("s", "events")) == 0


async def test_orders_and_refunds_are_remembered_by_their_order_log_minute(store: Any) -> None:
    minute = 1_790_000_040_000
    await record_order(store, "s", "v1", day(1), 700, entry_id="order:o1", received_ms=minute + 5)
    await record_refund(
        store, "s", "v1", day(1), 200, entry_id="refund:2:o1:r1", received_ms=minute + 61_000
    )
    assert await store.smembers(keys.applied("s", "orders", minute)) == {"order:o1"}
    assert await store.smembers(keys.applied("s", "orders", minute + 60_000)) == {"refund:2:o1:r1"}
