"""Training in a real child process: its result, its failures, and a loop that keeps
answering meanwhile."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from engine.model_store import ModelStore
from engine.training import train_shop
from tests.engine.test_training import ingest_otto
from widget.retraining import ChildProcessTrainer, TrainingFailed, TrainingInterrupted

pytestmark = pytest.mark.anyio


def child_trainer(url: str, folder: Path, **options: Any) -> ChildProcessTrainer:
    return ChildProcessTrainer(url, 3, str(folder / "archive"), **options)


async def worst_lag(until: asyncio.Future[Any], tick_s: float = 0.01) -> float:
    """The longest the loop took beyond a `tick_s` sleep while `until` ran."""
    worst = 0.0
    while not until.done():
        started = time.perf_counter()
        await asyncio.sleep(tick_s)
        worst = max(worst, time.perf_counter() - started - tick_s)
    return worst


async def test_a_child_trains_while_the_loop_keeps_answering(
    store: Any, clean_store: str, tmp_path: Path
) -> None:
    shop = await ingest_otto(store)
    training = asyncio.ensure_future(child_trainer(clean_store, tmp_path)(shop, asyncio.Event()))
    lag = await worst_lag(training)
    result = training.result()
    assert (result.shop, result.events, result.visitors, result.baskets) == (shop, 857, 20, 5)
    assert await ModelStore(store).current_version(shop) == result.version
    # For reference: the same training in this process holds the loop for its whole fit
    # (about 0.3 s on this small sample, minutes on a real shop).
    blocked = await worst_lag(asyncio.ensure_future(train_shop(store, shop, ModelStore(store))))
    print(f"worst loop lag: child {lag * 1000:.0f} ms, in the loop {blocked * 1000:.0f} ms")
    assert lag < 0.2


async def test_a_shop_without_events_fails_with_its_reason(
    store: Any, clean_store: str, tmp_path: Path
) -> None:
    with pytest.raises(TrainingFailed) as failed:
        await child_trainer(clean_store, tmp_path)("empty", asyncio.Event())
    assert str(failed.value) == "shop 'empty' has no product events to learn from"
    assert await ModelStore(store).current_version("empty") is None


async def test_a_training_past_its_time_limit_is_killed(clean_store: str, tmp_path: Path) -> None:
    trainer = child_trainer(clean_store, tmp_path, time_limit_s=0.2)
    started = time.perf_counter()
    with pytest.raises(TrainingFailed) as failed:
        await trainer("empty", asyncio.Event())
    assert str(failed.value) == "the training did not finish within 0.2 s and was stopped"
    assert time.perf_counter() - started < 2


async def test_stopping_kills_the_child(clean_store: str, tmp_path: Path) -> None:
    stop = asyncio.Event()
    training = asyncio.ensure_future(child_trainer(clean_store, tmp_path)("empty", stop))
    await asyncio.sleep(0.1)
    stop.set()
    with pytest.raises(TrainingInterrupted):
        await asyncio.wait_for(training, 2)


async def test_a_killed_child_fails_with_its_signal(clean_store: str, tmp_path: Path) -> None:
    # What the kernel's out-of-memory killer does to a training that grew too big.
    killed = tmp_path / "killed-python"
    killed.write_text("#!/bin/sh\nkill -9 $$\n")
    killed.chmod(0o700)
    trainer = child_trainer(clean_store, tmp_path, python=str(killed))
    with pytest.raises(TrainingFailed) as failed:
        await trainer("shop", asyncio.Event())
    assert str(failed.value) == "the training process was killed by SIGKILL"


async def test_a_crashed_child_fails_with_the_end_of_its_errors(
    clean_store: str, tmp_path: Path
) -> None:
    crashed = tmp_path / "crashed-python"
    crashed.write_text("#!/bin/sh\necho 'Fatal Python error: Segmentation fault' >&2\nexit 139\n")
    crashed.chmod(0o700)
    trainer = child_trainer(clean_store, tmp_path, python=str(crashed))
    with pytest.raises(TrainingFailed) as failed:
        await trainer("shop", asyncio.Event())
    assert str(failed.value) == (
        "the training process exited with status 139: Fatal Python error: Segmentation fault"
    )
