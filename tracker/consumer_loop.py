"""The loop of a stream consumer that runs beside a server until asked to stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress


async def consume_until(
    stop: asyncio.Event,
    run_once: Callable[[], Awaitable[int]],
    idle_s: float,
    log: logging.Logger,
) -> None:
    """Call `run_once` until `stop` is set, resting `idle_s` whenever nothing came.

    Stopping waits for the round in progress: cancelling a consumer in the middle of a
    store command would leave its connection half closed. A failed round is logged and
    retried; its entries stay pending, are reclaimed and counted once.
    """
    while not stop.is_set():
        try:
            applied = await run_once()
        except Exception:
            log.exception("%s failed; retrying", getattr(run_once, "__qualname__", "consumer"))
            applied = 0
        if not applied:
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), idle_s)
