from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from billing import keys as billing_keys
from billing.client_orders import client_orders_per_day
from billing.consumer import LedgerUpdater
from billing.contributions import CLICK_TYPES, PAGE_VIEW_TYPES
from billing.day_statistics import late_statistics, period_statistics
from billing.order_log import order_log_reader
from billing.period_lock import lock_period
from billing.rebuild import rebuild_period
from billing.sufficient import ArmStatistics
from tests.billing.traffic import ENTRIES, EXPECTED, send, shop_traffic, today, views
from tracker import keys as tracker_keys
from tracker.reader import StreamReader, stream_entries
from widget.invoices.ledger import ORDER_LOG, ledger_updater
from widget.orders import keys as orders_keys

pytestmark = pytest.mark.anyio
SHOP = "test-shop"
GROUP = "billing-test"


def figures(arm: ArmStatistics) -> tuple[int, ...]:
    return (
        arm.visitors,
        arm.converting_visitors,
        arm.orders,
        arm.net_revenue,
        arm.net_revenue_squares,
        arm.page_views,
        arm.recommendation_clicks,
    )


async def arms(store: Any) -> dict[str, tuple[int, ...]]:
    found = await period_statistics(store, SHOP, today(), "EUR", None)
    return {"treatment": figures(found.treatment), "holdout": figures(found.holdout)}


def updater(store: Any, consumer: str) -> LedgerUpdater:
    # A group of its own: a server's background consumer may feed the same ledger meanwhile,
    # which changes no figure (replays count once) but would take entries from this one.
    options = {"group": GROUP, "reclaim_after_ms": 0, "settle_ms": 0}
    return ledger_updater(store, consumer=consumer, **options)


async def test_per_arm_statistics_from_real_traffic(
    client: TestClient, shop: dict[str, Any], store: Any
) -> None:
    shop_traffic(client, shop)
    assert await updater(store, "a").run_once() == ENTRIES
    assert await arms(store) == EXPECTED
    assert list((await client_orders_per_day(store, SHOP, today())).values()) == [2]
    assert await updater(store, "a").run_once() == 0


async def test_a_restart_with_pending_entries_counts_nothing_twice(
    client: TestClient, shop: dict[str, Any], store: Any
) -> None:
    shop_traffic(client, shop)
    events = StreamReader(store, SHOP, GROUP, "dead")
    await events.ensure_group()
    orders = order_log_reader(store, orders_keys.order_log(SHOP), GROUP, "dead")
    await orders.ensure_group()
    delivered, logged = await events.read(), await orders.read()
    # The dead consumer applied all its orders and half its events, and acknowledged nothing.
    dead = updater(store, "dead")
    await dead.apply_events(SHOP, delivered[: len(delivered) // 2])
    await dead.apply_orders(SHOP, logged)
    assert await updater(store, "b").run_once() == len(delivered) + len(logged) == ENTRIES
    assert await arms(store) == EXPECTED
    assert (await store.xpending(tracker_keys.event_stream(SHOP), GROUP))["pending"] == 0


async def test_entries_after_the_lock_count_late_and_are_logged(
    client: TestClient, shop: dict[str, Any], store: Any, caplog: pytest.LogCaptureFixture
) -> None:
    roles = shop_traffic(client, shop)
    await updater(store, "a").run_once()
    lock = await lock_period(store, SHOP, today(), None, datetime.now(UTC))
    send(client, shop, roles["t3"], *views(4))
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="billing.consumer"):
        assert await updater(store, "a").run_once() == 1
    assert "counted late" in caplog.text
    assert all(record.levelno == logging.INFO for record in caplog.records)
    assert await arms(store) == EXPECTED
    late = await late_statistics(store, SHOP, today(), "EUR", lock.revenue_cap_minor)
    assert (late.treatment.page_views, late.treatment.visitors) == (4, 0)
    # the pooled 99.9th percentile of six visitors is the largest: t2's 15001 cents
    assert lock.revenue_cap_minor == 15001
    rebuilt = await rebuild_period(store, SHOP, today(), ORDER_LOG, "EUR", 15001, lock)
    assert rebuilt.matches and rebuilt.check.pooled_cap_minor == 15001
    assert rebuilt.corrected is not None and rebuilt.corrected.matches


async def test_applied_ids_are_kept_by_the_minute_of_their_stream_entry(
    client: TestClient, shop: dict[str, Any], store: Any
) -> None:
    shop_traffic(client, shop)
    await updater(store, "a").run_once()
    stream = tracker_keys.event_stream(SHOP)
    minutes, counting = set(), 0
    for entry in stream_entries(await store.xrange(stream)):
        ms = int(entry.id.split("-")[0])
        minutes.add(str(ms - ms % 60_000))
        counting += sum(
            event.type in PAGE_VIEW_TYPES | CLICK_TYPES and not event.bot for event in entry.events
        )
    assert set(await store.zrange(billing_keys.applied_minutes(SHOP, "events"), 0, -1)) == minutes
    counted = 0
    for minute in minutes:
        counted += await store.scard(billing_keys.applied(SHOP, "events", int(minute)))
    assert counted == counting == 16
