"""Helpers of the archive tests: a shop with events in its stream and orders in a log."""

from __future__ import annotations

from typing import Any

import orjson

from tests.conftest import ORIGIN, make_event
from tracker.batch import Batch
from tracker.client import Client
from tracker.ingest import EventIngestor, RateLimits
from tracker.shops import ShopRegistry

BROWSER = Client("hash", None, "Mozilla/5.0", bot=False)
SHOP = "acme"


def order_log(shop: str) -> str:
    return f"bl:{{{shop}}}:orders:log"


async def ingest(store: Any, batches: int, per_batch: int = 2) -> list[str]:
    """`batches` stream entries of `per_batch` events each; the event ids sent."""
    if not await store.sismember("bl:shops", SHOP):
        await ShopRegistry(store).create("Acme", (ORIGIN,))
    ingestor = EventIngestor(store, 180, RateLimits(site_per_second=1e6, client_per_second=1e6))
    sent: list[str] = []
    for _ in range(batches):
        events = [make_event() for _ in range(per_batch)]
        key = (await ShopRegistry(store).get(SHOP)).site_key
        await ingestor.ingest(Batch(key, None, events), ORIGIN, BROWSER)
        sent += [event["event_id"] for event in events]
    return sent


async def log_orders(store: Any, count: int) -> list[str]:
    ids = [f"order-{i}" for i in range(count)]
    for order_id in ids:
        body = orjson.dumps({"order_id": order_id, "total": "10.00"}).decode()
        await store.xadd(order_log(SHOP), {"kind": "order", "body": body})
    return ids
