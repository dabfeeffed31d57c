"""The tracker on a real Redis Cluster: every script's keys share the shop's slot."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import pytest
import redis
from redis.asyncio.cluster import RedisCluster

from tests.cluster import valkey_cluster
from tests.conftest import ORIGIN, make_event
from tracker import keys
from tracker.batch import Batch
from tracker.client import Client
from tracker.errors import StoreUnavailable
from tracker.ingest import EventIngestor, IngestResult, RateLimits
from tracker.reader import StreamReader
from tracker.shops import ShopRegistry
from widget.platform.store import connect

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


async def test_a_lost_node_fails_only_the_calls_of_its_own_shops(tmp_path: Path) -> None:
    with valkey_cluster(tmp_path) as url:
        cluster = await connect(url)
        try:
            await _ingest_beside_a_lost_node(cluster)
        finally:
            await cluster.aclose()


async def _ingest_beside_a_lost_node(cluster: Any) -> None:
    registry = ShopRegistry(cluster)
    ingestor = EventIngestor(cluster, 180, RateLimits())
    shops = {}
    for name in ("acme", "beta", "gamma", "delta"):
        shops[name] = (await registry.create(name.title(), (ORIGIN,), name)).shop
    node_of = {name: cluster.get_node_from_key(keys.shop_record(name)) for name in shops}
    lost = "acme"
    healthy = next(name for name in shops if node_of[name].name != node_of[lost].name)
    doomed = redis.Redis(host=node_of[lost].host, port=node_of[lost].port)
    with contextlib.suppress(redis.exceptions.ConnectionError):
        doomed.shutdown(nosave=True)
    doomed.close()

    def batch(name: str) -> Batch:
        return Batch(shops[name].site_key, None, [make_event(), make_event()])

    answers = await asyncio.gather(
        *[ingestor.ingest(batch(name), ORIGIN, BROWSER) for name in (lost, healthy) * 20],
        return_exceptions=True,
    )
    assert all(isinstance(answer, StoreUnavailable) for answer in answers[0::2])
    assert [a.accepted for a in answers[1::2] if isinstance(a, IngestResult)] == [2] * 20
    entries = await cluster.xrange(keys.event_stream(healthy))
    assert sum(int(fields["n"]) for _, fields in entries) == 40
