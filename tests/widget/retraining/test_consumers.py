"""The server's consumers include the scheduler: events in, a model trained and served."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Any

from starlette.testclient import TestClient

from engine.model_store import ModelStore
from tests.engine.test_training import ingest_otto
from widget.app import create_app
from widget.platform.settings import Settings
from widget.platform.store import connect
from widget.retraining import TrainingStatus, deployment_scheduler, read_status


async def otto_shop(url: str) -> str:
    store = await connect(url)
    try:
        return await ingest_otto(store)
    finally:
        await store.aclose()


def test_the_server_trains_a_shop_once_enough_events_arrived(settings: Settings) -> None:
    shop = asyncio.run(otto_shop(str(settings.redis_url)))
    every_request = replace(settings, retrain_every_hours=0, retrain_after_events=5)
    with TestClient(create_app(every_request)) as client:
        store = client.app.state.services.redis  # type: ignore[attr-defined]
        portal: Any = client.portal
        deadline = time.monotonic() + 60
        status = TrainingStatus()
        while status.succeeded_at is None and time.monotonic() < deadline:
            time.sleep(0.2)
            status = portal.call(read_status, store, shop)
        current = portal.call(ModelStore(store).current_version, shop)
    assert (status.trigger, status.events) == ("5 requests of events since the last attempt", 857)
    assert current == status.version


def test_both_triggers_off_start_no_scheduler(settings: Settings) -> None:
    off = replace(settings, retrain_every_hours=0, retrain_after_events=0)
    assert deployment_scheduler(None, off) is None
    assert deployment_scheduler(None, settings) is not None
