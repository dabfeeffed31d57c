"""The tracker on a real Redis Cluster: every script's keys share the shop's slot."""

from __future__ import annotations

from typing import Any

import pytest
from redis.asyncio.cluster import RedisCluster

from tests.conftest import ORIGIN, make_event
from tracker.batch import Batch
from tracker.client import Client
from tracker.ingest import EventIngestor, RateLimits
from tracker.reader import StreamReader
from tracker.shops import ShopRegistry

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
BROWSER = Client("h", None, "Mozilla/5.0", bot=False)


async def test_the_url_of_a_cluster_gives_a_cluster_client(cluster: Any) -> None:
    assert isinstance(cluster, RedisCluster)


async def test_shops_ingest_dedupe_and_read_back_on_a_cluster(cluster: Any) -> None:
    registry = ShopRegistry(cluster)
    ingestor = EventIngestor(cluster, 180, RateLimits())
    sent = []
    # Several shops, so that their keys land on different nodes.
    for name in ("acme", "beta", "gamma", "delta"):
        issued = await registry.create(name.title(), (ORIGIN,), name)
        events = [make_event(), make_event("Product Added")]
        batch = Batch(issued.shop.site_key, None, events)
        first = await ingestor.ingest(batch, ORIGIN, BROWSER)
        again = await ingestor.ingest(batch, ORIGIN, BROWSER)
        assert (first.accepted, again.duplicates) == (2, 2)
        sent.append((name, [event["event_id"] for event in events]))
    for name, event_ids in sent:
        reader = StreamReader(cluster, name, "billing", "worker")
        await reader.ensure_group()
        entries = await reader.read()
        assert [e.event_id for entry in entries for e in entry.events] == event_ids
        assert await reader.ack([entry.id for entry in entries]) == 1
    assert [shop.id for shop in await registry.list()] == ["acme", "beta", "delta", "gamma"]
