"""What the HTTP handlers share, built once per app in its lifespan.

Features with state of their own keep it beside this (recommendations: `Serving`), built
by `app.py` from these services.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from engine.model_store import ModelStore
from tracker import keys as tracker_keys
from tracker.dedup import DedupWindow
from tracker.ingest import EventIngestor, RateLimits
from tracker.shops import ShopRegistry
from widget.platform.metrics import Metrics
from widget.platform.settings import Settings
from widget.platform.store import deployment_secret


@dataclass(frozen=True)
class Services:
    settings: Settings
    redis: Any
    shops: ShopRegistry
    ingestor: EventIngestor
    address_secret: bytes
    metrics: Metrics
    models: ModelStore
    # Set once the process has loaded the shops' current models: until then it is not ready.
    warmed_up: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    async def build(cls, settings: Settings, redis: Any, metrics: Metrics) -> Services:
        limits = RateLimits(settings.rate_limit_site, settings.rate_limit_client)
        return cls(
            settings=settings,
            redis=redis,
            shops=ShopRegistry(redis),
            ingestor=EventIngestor(
                redis,
                settings.dead_letter_retention_days,
                limits,
                DedupWindow(round(settings.dedup_hours * 3_600_000)),
            ),
            address_secret=await deployment_secret(redis, tracker_keys.IP_HASH_SECRET),
            metrics=metrics,
            models=ModelStore(redis, keep=settings.model_versions_kept),
        )


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found
