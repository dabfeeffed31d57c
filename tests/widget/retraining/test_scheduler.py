"""The scheduler on a real store: both triggers, one trainer per shop, failures recorded."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from engine.errors import EmptyData
from tests.widget.retraining.helpers import (
    HOUR,
    Clock,
    FakeTrainer,
    created_at,
    send_requests,
    shop_with_requests,
)
from widget.retraining import (
    RetrainingScheduler,
    RetrainPolicy,
    TrainingInterrupted,
    entries_added,
    holding,
    read_status,
)

pytestmark = pytest.mark.anyio
DAILY = RetrainPolicy(every_s=24 * HOUR, after_entries=0)


async def test_a_shop_is_trained_once_its_time_has_come(store: Any) -> None:
    issued = await shop_with_requests(store, 1)
    clock, trainer = Clock(created_at(issued) + 24 * HOUR - 1), FakeTrainer()
    scheduler = RetrainingScheduler(store, DAILY, trainer, clock)
    assert await scheduler.run_once() == [] and trainer.calls == []
    clock.now += 1
    [outcome] = await scheduler.run_once()
    assert outcome.result is not None and outcome.recorded and trainer.calls == [issued.shop.id]
    status = await read_status(store, issued.shop.id)
    assert (status.attempted_at, status.succeeded_at) == (clock.now, clock.now)
    assert status.version == "v1"
    assert (status.trigger, status.entries_at_attempt, status.failures) == (
        "24.0 h since the last attempt",
        1,
        0,
    )
    assert status.next_attempt_at == clock.now + 24 * HOUR
    await send_requests(store, issued, 1)
    clock.now += 24 * HOUR - 1
    assert await scheduler.run_once() == []
    clock.now += 1
    assert len(await scheduler.run_once()) == 1 and len(trainer.calls) == 2


async def test_enough_new_requests_trigger_a_training(store: Any) -> None:
    issued = await shop_with_requests(store, 2)
    trainer = FakeTrainer()
    policy = RetrainPolicy(every_s=0, after_entries=3)
    scheduler = RetrainingScheduler(store, policy, trainer, Clock(created_at(issued) + 1))
    assert await scheduler.run_once() == []
    await send_requests(store, issued, 1)
    assert await entries_added(store, issued.shop.id) == 3
    [outcome] = await scheduler.run_once()
    assert outcome.result is not None
    assert (await read_status(store, issued.shop.id)).trigger == (
        "3 requests of events since the last attempt"
    )
    await send_requests(store, issued, 2)
    assert await scheduler.run_once() == []
    await send_requests(store, issued, 1)
    assert len(await scheduler.run_once()) == 1 and len(trainer.calls) == 2


async def test_a_shop_without_events_is_left_alone(store: Any) -> None:
    issued = await shop_with_requests(store, 0)
    trainer = FakeTrainer()
    scheduler = RetrainingScheduler(store, DAILY, trainer, Clock(created_at(issued) + 1000 * HOUR))
    assert await scheduler.run_once() == [] and trainer.calls == []


async def test_two_schedulers_train_a_shop_once(store: Any) -> None:
    issued = await shop_with_requests(store, 1)
    clock = Clock(created_at(issued) + 25 * HOUR)
    gate = asyncio.Event()
    first, second = FakeTrainer(gate=gate), FakeTrainer(gate=gate)
    one = RetrainingScheduler(store, DAILY, first, clock, holder="server-1")
    two = RetrainingScheduler(store, DAILY, second, clock, holder="server-2")
    running = asyncio.ensure_future(one.run_once())
    while not first.calls:
        await asyncio.sleep(0.01)
    # Were the lock not taken, the second would wait at the gate too.
    assert await asyncio.wait_for(two.run_once(), 5) == [] and second.calls == []
    found = await holding(store, issued.shop.id)
    assert found is not None and (found.holder, found.started_at) == ("server-1", clock.now)
    gate.set()
    assert len(await running) == 1
    # Done, and recorded: the other one finds the shop not due any more.
    assert await two.run_once() == [] and second.calls == []
    assert await holding(store, issued.shop.id) is None


async def test_a_failure_is_recorded_and_waits_its_back_off(store: Any) -> None:
    issued = await shop_with_requests(store, 1)
    clock = Clock(created_at(issued) + 25 * HOUR)
    trainer = FakeTrainer(error=EmptyData("shop 'shop' has no product events to learn from"))
    scheduler = RetrainingScheduler(store, DAILY, trainer, clock)
    [outcome] = await scheduler.run_once()
    assert (outcome.result, outcome.recorded) == (None, True)
    failed_at = clock.now
    status = await read_status(store, issued.shop.id)
    assert (status.failed_at, status.failures, status.next_attempt_at) == (
        failed_at,
        1,
        failed_at + 15 * 60,
    )
    assert status.reason == "shop 'shop' has no product events to learn from"
    assert status.succeeded_at is None and await holding(store, issued.shop.id) is None
    clock.now += 15 * 60 - 1
    assert await scheduler.run_once() == [] and len(trainer.calls) == 1
    trainer.error = RuntimeError("the disk is full")
    clock.now += 1
    await scheduler.run_once()
    status = await read_status(store, issued.shop.id)
    assert (status.reason, status.failures) == ("RuntimeError: the disk is full", 2)
    assert status.next_attempt_at == clock.now + 30 * 60
    trainer.error = None
    clock.now += 30 * 60
    await scheduler.run_once()
    status = await read_status(store, issued.shop.id)
    assert (status.failures, status.succeeded_at, status.version) == (0, clock.now, "v3")
    # The last failure stays on record beside the newer success.
    assert status.reason == "RuntimeError: the disk is full" and not status.last_failed


async def test_stopping_releases_the_shop_without_a_failure(store: Any) -> None:
    issued = await shop_with_requests(store, 1)

    async def stopped(shop: str, stop: asyncio.Event) -> Any:
        await stop.wait()
        raise TrainingInterrupted(shop)

    stop = asyncio.Event()
    clock = Clock(created_at(issued) + 25 * HOUR)
    scheduler = RetrainingScheduler(store, DAILY, stopped, clock, idle_s=0.05)
    running = asyncio.ensure_future(scheduler.run(stop))
    while await holding(store, issued.shop.id) is None:
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(running, 5)
    status = await read_status(store, issued.shop.id)
    assert (status.attempted_at, status.failures) == (None, 0)
    assert await holding(store, issued.shop.id) is None
