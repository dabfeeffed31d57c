"""One training attempt of a shop under its lock, recorded in its status hash.

The scheduler and `basketlift train` both go through `run_attempt`, so the dashboard
shows manual and automatic trainings alike. A failed attempt saves nothing: the models
served stay the previous version's.

Errors: `TrainingFailed` (a trainer's failure, with its reason), `TrainingInterrupted`
(stopped with its process: released, not recorded as a failure).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from engine.errors import EmptyData
from engine.training import TrainingResult
from widget.retraining.lock import Holding, TrainingLock, holding
from widget.retraining.schedule import RetrainPolicy, backoff_s
from widget.retraining.status import (
    Attempt,
    TrainingStatus,
    entries_added,
    failure_fields,
    read_status,
    success_fields,
)

REASON_LENGTH = 500
# A manual run fits on its own event loop, which cannot renew the lock meanwhile.
MANUAL_LOCK_TTL_S = 6 * 3600.0
log = logging.getLogger(__name__)
Train = Callable[[], Awaitable[TrainingResult]]


class TrainingFailed(Exception):
    """A training ended without a new version; the message says why."""


class TrainingInterrupted(Exception):
    """A training was stopped with the process that ran it."""


@dataclass(frozen=True)
class Outcome:
    """What an attempt gave: a result, or the error and reason it failed; `recorded` is
    False when the lock was lost meanwhile and a newer attempt's record was left alone."""

    shop: str
    result: TrainingResult | None
    reason: str
    recorded: bool
    error: Exception | None = field(default=None, compare=False)


def failure_reason(error: BaseException) -> str:
    if isinstance(error, TrainingFailed | EmptyData):
        text = str(error)
    else:
        text = f"{type(error).__name__}: {error}"
    return text[:REASON_LENGTH]


async def run_attempt(
    lock: TrainingLock,
    attempt: Attempt,
    status: TrainingStatus,
    train: Train,
    policy: RetrainPolicy,
    clock: Callable[[], float],
) -> Outcome:
    """Run `train` while renewing `lock`, then record its result or failure and release.

    Raises `TrainingInterrupted` after releasing the lock; any other error of `train` is
    a failure, recorded (with a back-off before the next attempt) and returned."""
    training = asyncio.ensure_future(train())
    renewing = asyncio.ensure_future(_renew_while(lock, training))
    try:
        result = await training
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            # Stopped from outside (Ctrl-C, a server shutting down): free the shop now
            # rather than when the lock expires.
            with suppress(Exception):
                await asyncio.wait_for(lock.finish({}), 2)
            raise
        # Only the renewal cancels the training: the lock is another process's now.
        return Outcome(lock.shop, None, "the training lock was lost", recorded=False)
    except TrainingInterrupted:
        await lock.finish({})
        raise
    except Exception as error:  # every failure is recorded, whatever its kind
        return await _record_failure(lock, attempt, status, error, clock)
    finally:
        renewing.cancel()
        with suppress(asyncio.CancelledError):
            await renewing
    fields = attempt.fields() | success_fields(
        result, clock(), policy.next_after_success(attempt.started_at)
    )
    recorded = await lock.finish(fields)
    log.info(
        "trained shop %s (%s): version %s, %d events, %.1f s",
        lock.shop,
        attempt.trigger,
        result.version,
        result.events,
        result.seconds,
    )
    return Outcome(lock.shop, result, "", recorded)


async def manual_attempt(
    redis: Any, shop: str, train: Train, policy: RetrainPolicy, holder: str
) -> Outcome | Holding:
    """`train` (a run of `basketlift train`) under the shop's lock, recorded like the
    scheduler's; who holds the lock instead, when another process trains the shop."""
    now = time.time()
    entries = await entries_added(redis, shop)
    lock = await TrainingLock.acquire(redis, shop, holder, now, MANUAL_LOCK_TTL_S)
    if lock is None:
        return await holding(redis, shop) or Holding(0, "another process", now)
    status = await read_status(redis, shop)
    attempt = Attempt(now, "manual: basketlift train", entries)
    return await run_attempt(lock, attempt, status, train, policy, time.time)


async def _record_failure(
    lock: TrainingLock,
    attempt: Attempt,
    status: TrainingStatus,
    error: Exception,
    clock: Callable[[], float],
) -> Outcome:
    reason = failure_reason(error)
    failures = status.failures + 1
    now = clock()
    next_attempt = now + backoff_s(failures)
    fields = attempt.fields() | failure_fields(reason, now, failures, next_attempt)
    recorded = await lock.finish(fields)
    log.warning(
        "training shop %s (%s) failed; the previous models stay served; next attempt in "
        "%.0f min: %s",
        lock.shop,
        attempt.trigger,
        backoff_s(failures) / 60,
        reason,
    )
    return Outcome(lock.shop, None, reason, recorded, error)


async def _renew_while(lock: TrainingLock, training: asyncio.Future[TrainingResult]) -> None:
    """Renew the lock every third of its life; a lost lock stops the training."""
    while not training.done():
        await asyncio.sleep(lock.ttl_s / 3)
        try:
            renewed = await lock.renew()
        except Exception:
            log.exception("could not renew the training lock of shop %s", lock.shop)
            continue
        if not renewed:
            log.warning("shop %s: training lock lost to another process; stopping", lock.shop)
            training.cancel()
            return
