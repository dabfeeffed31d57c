"""The stream consumers a deployment runs: live state for recommendations, the ledger, the
per-placement rollup of the dashboard, the archiver (which also keeps the streams
bounded), and the retraining scheduler (unless both of its triggers are off).

By default the server runs them in its own event loop. With
`BASKETLIFT_CONSUMERS=separate` it does not, and `basketlift consume` runs them as a
process of their own (any number of them: consumer groups share the work), so that the
HTTP workers' cores serve requests only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from tracker.archive import Archive
from tracker.archiver import Archiver
from widget.catalog import FeedFetcher, FeedSyncer
from widget.events import LiveStateUpdater
from widget.invoices import ledger_updater
from widget.orders import keys as orders_keys
from widget.placements import PlacementRollup
from widget.platform.settings import Settings
from widget.retraining import deployment_scheduler

Stopper = Callable[[], Awaitable[None]]


def archiver(redis: Any, settings: Settings) -> Archiver:
    """The archiver of this deployment's archive, keeping `settings`' hot window."""
    return Archiver(
        redis,
        Archive.open(settings.archive_location),
        orders_keys.order_log,
        hot_window_ms=round(settings.hot_window_hours * 3_600_000),
    )


def start_consumers(redis: Any, settings: Settings) -> Stopper:
    """Start every consumer as a task of the running loop; returns what stops them."""
    stop = asyncio.Event()
    consumers: list[Any] = [
        LiveStateUpdater(redis),
        ledger_updater(redis),
        PlacementRollup(redis),
        archiver(redis, settings),
        FeedSyncer(redis, FeedFetcher(settings.catalog_feed_trusted_hosts)),
    ]
    scheduler = deployment_scheduler(redis, settings)
    if scheduler is not None:
        consumers.append(scheduler)
    tasks = [asyncio.create_task(consumer.run(stop)) for consumer in consumers]

    async def stop_consumers() -> None:
        # Let each consumer finish its round: cancelling one mid-command would leave its
        # store connection half closed. Cancel only what does not stop in time.
        stop.set()
        _, late = await asyncio.wait(tasks, timeout=10)
        for task in late:
            task.cancel()
        for task in late:
            with suppress(asyncio.CancelledError):
                await task

    return stop_consumers
