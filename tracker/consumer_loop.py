"""The loop of a stream consumer that runs beside a server until asked to stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress

# Rounds that keep failing (the store down, most often) are retried ever more slowly.
MAX_BACKOFF_S = 10.0


def backoff(idle_s: float, failures: int) -> float:
    """Seconds to rest after `failures` failed rounds in a row."""
    return min(idle_s * 2.0 ** min(failures, 16), max(idle_s, MAX_BACKOFF_S))


async def consume_until(
    stop: asyncio.Event,
    run_once: Callable[[], Awaitable[int]],
    idle_s: float,
    log: logging.Logger,
) -> None:
    """Call `run_once` until `stop` is set, resting `idle_s` whenever nothing came.

    Stopping waits for the round in progress: cancelling a consumer in the middle of a
    store command would leave its connection half closed. A failed round is retried with
    back-off; its entries stay pending, are reclaimed and counted once. An outage is
    logged once, when the first round fails (with its traceback), and when one works again.
    """
    name = getattr(run_once, "__qualname__", "consumer")
    failures = 0
    while not stop.is_set():
        try:
            applied = await run_once()
        except Exception:
            if not failures:
                log.warning("%s failed; retrying with back-off until it works", name, exc_info=True)
            failures += 1
            applied = 0
        else:
            if failures:
                log.warning("%s works again after %d failed rounds", name, failures)
            failures = 0
        if not applied:
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), backoff(idle_s, failures))
