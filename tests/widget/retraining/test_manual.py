"""`basketlift train` records its runs as the scheduler does, and leaves alone a shop that
another process is training."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest
from click.testing import CliRunner, Result

from tests.engine.test_training import ingest_otto
from tracker.shops import ShopRegistry
from widget.cli.train import train
from widget.retraining import TrainingLock, holding, read_status

pytestmark = pytest.mark.anyio


async def run_train(url: str, folder: Path, *args: str) -> Result:
    env = {"BASKETLIFT_REDIS_URL": url, "BASKETLIFT_DATA_DIR": str(folder)}
    return await anyio.to_thread.run_sync(lambda: CliRunner().invoke(train, list(args), env=env))


async def test_a_manual_run_is_recorded(store: Any, clean_store: str, tmp_path: Path) -> None:
    shop = await ingest_otto(store)
    await ShopRegistry(store).create("Empty", (), "empty")
    result = await run_train(clean_store, tmp_path, "--shop", shop, "--shop", "empty")
    assert result.exit_code == 0, result.output
    status = await read_status(store, shop)
    assert f"{shop}: version {status.version}, 857 events" in result.stdout
    assert (status.trigger, status.events, status.failures) == ("manual: basketlift train", 857, 0)
    assert status.entries_at_attempt == 5 and status.next_attempt_at is not None
    assert status.next_attempt_at - status.attempted_at == 24 * 3600  # type: ignore[operator]
    empty = await read_status(store, "empty")
    assert "empty: skipped, shop 'empty' has no product events" in result.stderr
    assert (empty.failures, empty.reason) == (1, "shop 'empty' has no product events to learn from")
    assert await holding(store, shop) is None and await holding(store, "empty") is None


async def test_a_shop_in_training_is_skipped(store: Any, clean_store: str, tmp_path: Path) -> None:
    shop = await ingest_otto(store)
    lock = await TrainingLock.acquire(store, shop, "server-9", 1.0, ttl_s=60)
    assert lock is not None
    result = await run_train(clean_store, tmp_path, "--shop", shop)
    assert result.exit_code == 0, result.output
    assert f"{shop}: skipped, server-9 is training it" in result.stderr
    assert (await read_status(store, shop)).attempted_at is None
    assert not (tmp_path / "models" / shop).exists()
