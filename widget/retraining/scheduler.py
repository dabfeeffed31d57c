"""The retraining scheduler: a consumer that trains each shop when it is due.

It runs beside the stream consumers (in the server, or in `basketlift consume`). Every
`idle_s` it looks at each shop's status and stream counter (two reads a shop), takes the
lock of a shop that is due and trains it with its trainer: by default in a child process
(`process.py`), so the event loop keeps serving. One shop at a time per process; the
lock makes it one process per shop across every server.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from typing import Any, Protocol

from engine.training import TrainingResult
from tracker.shops import ShopRegistry
from widget.platform.embedded import EmbeddedStore
from widget.platform.settings import Settings
from widget.retraining.attempt import Outcome, TrainingInterrupted, run_attempt
from widget.retraining.lock import TrainingLock
from widget.retraining.process import ChildProcessTrainer
from widget.retraining.schedule import RetrainPolicy, due
from widget.retraining.status import Attempt, entries_added, read_status

LOCK_TTL_S = 120.0
log = logging.getLogger(__name__)


class Trainer(Protocol):
    async def __call__(self, shop: str, stop: asyncio.Event) -> TrainingResult:
        """Train `shop`; raise `TrainingInterrupted` once `stop` is set."""
        ...


class RetrainingScheduler:
    """Trains each due shop with `trainer`; `clock` gives seconds since the epoch."""

    def __init__(
        self,
        redis: Any,
        policy: RetrainPolicy,
        trainer: Trainer,
        clock: Callable[[], float] = time.time,
        idle_s: float = 60.0,
        lock_ttl_s: float = LOCK_TTL_S,
        holder: str | None = None,
    ) -> None:
        self._redis = redis
        self._policy = policy
        self._trainer = trainer
        self._clock = clock
        self._idle_s = idle_s
        self._lock_ttl_s = lock_ttl_s
        self._holder = holder or f"{socket.gethostname()}-{os.getpid()}"
        self._stop = asyncio.Event()

    async def run_once(self) -> list[Outcome]:
        """Train every shop due now, one after the other; what each attempt gave."""
        outcomes = []
        for shop in await ShopRegistry(self._redis).list():
            if self._stop.is_set():
                break
            created_at = datetime.fromisoformat(shop.created_at).timestamp()
            outcome = await self._train_if_due(shop.id, created_at)
            if outcome is not None:
                outcomes.append(outcome)
        return outcomes

    async def _train_if_due(self, shop: str, created_at: float) -> Outcome | None:
        status = await read_status(self._redis, shop)
        entries = await entries_added(self._redis, shop)
        trigger = due(self._policy, status, created_at, entries, self._clock())
        if trigger is None:
            return None
        now = self._clock()
        lock = await TrainingLock.acquire(self._redis, shop, self._holder, now, self._lock_ttl_s)
        if lock is None:
            return None
        # Another process may have finished an attempt between our read and the lock.
        status = await read_status(self._redis, shop)
        trigger = due(self._policy, status, created_at, entries, now)
        if trigger is None:
            await lock.finish({})
            return None
        log.info("training shop %s: %s", shop, trigger)
        attempt = Attempt(now, trigger, entries)
        try:
            return await run_attempt(
                lock,
                attempt,
                status,
                lambda: self._trainer(shop, self._stop),
                self._policy,
                self._clock,
            )
        except TrainingInterrupted:
            log.info("training shop %s stopped with this process; it will be tried again", shop)
            return None

    async def run(self, stop: asyncio.Event) -> None:
        """Look for due shops every `idle_s` until `stop` is set (a training is stopped)."""
        self._stop = stop
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("retraining round failed; retrying")
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._idle_s)


def deployment_scheduler(redis: Any, settings: Settings) -> RetrainingScheduler | None:
    """The scheduler of `settings`, training in child processes; None when both triggers
    are off."""
    policy = RetrainPolicy.from_settings(settings)
    if not policy.enabled:
        return None
    trainer = ChildProcessTrainer(
        # The child reaches the embedded store that this process started or joined.
        store_url=settings.redis_url or EmbeddedStore(settings.data_dir).url,
        models_kept=settings.model_versions_kept,
        archive=settings.archive_location,
    )
    return RetrainingScheduler(redis, policy, trainer)
