"""What the retraining tests share: a shop with events in the real store, and a trainer
that records its calls instead of fitting."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.training import TrainingResult
from tests.conftest import ORIGIN, make_event
from tracker.batch import Batch
from tracker.client import Client
from tracker.ingest import EventIngestor, RateLimits
from tracker.shops import IssuedShop, ShopRegistry

BROWSER = Client("hash-1", "203.0.113.0", "Mozilla/5.0 Firefox/133.0", bot=False)
HOUR = 3600.0


async def shop_with_requests(store: Any, requests: int, name: str = "Shop") -> IssuedShop:
    """A new shop and `requests` accepted event requests of two events each."""
    issued = await ShopRegistry(store).create(name, (ORIGIN,))
    await send_requests(store, issued, requests)
    return issued


async def send_requests(store: Any, issued: IssuedShop, requests: int) -> None:
    ingestor = EventIngestor(store, dead_letter_days=180, limits=RateLimits(1e6, 1e6))
    for _ in range(requests):
        events = [make_event(), make_event("Product Added")]
        result = await ingestor.ingest(Batch(issued.shop.site_key, None, events), ORIGIN, BROWSER)
        assert result.accepted == 2


def created_at(issued: IssuedShop) -> float:
    return datetime.fromisoformat(issued.shop.created_at).timestamp()


@dataclass
class Clock:
    now: float

    def __call__(self) -> float:
        return self.now


@dataclass
class FakeTrainer:
    """Answers a made-up result (or raises `error`) once `gate` opens; records each call."""

    calls: list[str] = field(default_factory=list)
    error: Exception | None = None
    gate: asyncio.Event | None = None

    async def __call__(self, shop: str, stop: asyncio.Event) -> TrainingResult:
        self.calls.append(shop)
        if self.gate is not None:
            await self.gate.wait()
        if self.error is not None:
            raise self.error
        return TrainingResult(shop, f"v{len(self.calls)}", 2 * len(self.calls), 1, 1, 1, 0, 0.25)
