"""A consumer whose store goes away: one warning for the outage, retries that slow down,
and one more warning when it works again."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest

from tracker.consumer_loop import backoff, consume_until
from widget.platform.embedded import EmbeddedStore
from widget.platform.store import connect

pytestmark = pytest.mark.anyio
LOG = logging.getLogger("tests.consumer")
NAME = "test_an_outage_is_logged_once_and_retried_ever_more_slowly.<locals>.run_once"


def test_the_back_off_doubles_up_to_a_cap() -> None:
    assert [backoff(0.5, failures) for failures in range(7)] == [0.5, 1, 2, 4, 8, 10, 10]
    assert backoff(30.0, 3) == 30.0


async def test_an_outage_is_logged_once_and_retried_ever_more_slowly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = EmbeddedStore(tmp_path)
    client = await connect(store.start())
    failures = 0

    async def run_once() -> int:
        nonlocal failures
        try:
            await client.incr("rounds")
        except Exception:
            failures += 1
            raise
        return 0

    stop = asyncio.Event()
    caplog.set_level(logging.WARNING, logger=LOG.name)
    consumer = asyncio.create_task(consume_until(stop, run_once, 0.05, LOG))
    await asyncio.sleep(0.2)
    store.stop()
    await asyncio.sleep(3)
    during_outage = [(r.levelname, r.getMessage(), r.exc_info is not None) for r in caplog.records]
    assert during_outage == [
        ("WARNING", f"{NAME} failed; retrying with back-off until it works", True)
    ]
    # 0.1, 0.2, 0.4, 0.8, 1.6 s apart; every 0.05 s without back-off.
    assert 3 <= failures <= 6
    store.start()
    deadline = time.monotonic() + 10
    while len(caplog.records) < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    stop.set()
    await consumer
    await client.aclose()
    store.stop()
    assert caplog.records[1].getMessage() == f"{NAME} works again after {failures} failed rounds"
    assert len(caplog.records) == 2
