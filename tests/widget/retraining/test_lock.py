"""The per-shop training lock: one holder, fenced records, and legal on a Redis Cluster."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.widget.retraining.helpers import FakeTrainer, created_at, shop_with_requests
from widget.retraining import (
    RetrainingScheduler,
    RetrainPolicy,
    TrainingLock,
    holding,
    read_status,
)

pytestmark = pytest.mark.anyio


async def test_a_stale_holder_cannot_overwrite_a_newer_record(store: Any) -> None:
    shop = "shop"
    stale = await TrainingLock.acquire(store, shop, "stalled", 1.0, ttl_s=0.05)
    assert stale is not None and stale.holding.fence == 1
    await asyncio.sleep(0.1)
    newer = await TrainingLock.acquire(store, shop, "live", 2.0, ttl_s=60)
    assert newer is not None and newer.holding.fence == 2
    assert not await stale.renew()
    assert not await stale.finish({"version": "stale"})
    assert await newer.finish({"version": "newer"})
    assert (await read_status(store, shop)).version == "newer"


async def test_schedulers_share_shops_on_a_cluster(cluster: Any) -> None:
    shops = [await shop_with_requests(cluster, 1, name) for name in ("North", "South", "East")]
    assert len({shop.shop.id for shop in shops}) == 3
    policy = RetrainPolicy(every_s=3600, after_entries=0)
    clock = max(created_at(shop) for shop in shops) + 3600
    gate = asyncio.Event()
    first, second = FakeTrainer(gate=gate), FakeTrainer()
    one = RetrainingScheduler(cluster, policy, first, lambda: clock, holder="one")
    two = RetrainingScheduler(cluster, policy, second, lambda: clock, holder="two")
    running = asyncio.ensure_future(one.run_once())
    while not first.calls:
        await asyncio.sleep(0.01)
    held = first.calls[0]
    assert (await holding(cluster, held)).holder == "one"  # type: ignore[union-attr]
    trained_by_two = await asyncio.wait_for(two.run_once(), 5)
    assert sorted(second.calls) == sorted({s.shop.id for s in shops} - {held})
    assert all(outcome.recorded for outcome in trained_by_two)
    gate.set()
    assert [outcome.shop for outcome in await running] == [held]
    for shop in shops:
        assert (await read_status(cluster, shop.shop.id)).attempted_at == clock
