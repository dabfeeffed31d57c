from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import ORIGIN, make_event
from tracker.batch import Batch
from tracker.client import Client
from tracker.ingest import EventIngestor, RateLimits
from tracker.keys import event_stream
from tracker.reader import StreamEntry, StreamReader, group_backlog, read_range
from tracker.shops import ShopRegistry

pytestmark = pytest.mark.anyio
BROWSER = Client("hash", None, "Mozilla/5.0", bot=False)


async def ingest(store: Any, count: int) -> list[str]:
    """`count` batches of one event each (a stream entry per batch)."""
    issued = await ShopRegistry(store).create("Acme", (ORIGIN,))
    events = [make_event() for _ in range(count)]
    ingestor = EventIngestor(store, 180, RateLimits())
    for event in events:
        await ingestor.ingest(Batch(issued.shop.site_key, None, [event]), ORIGIN, BROWSER)
    return [event["event_id"] for event in events]


def event_ids(entries: list[StreamEntry]) -> list[str]:
    return [event.event_id for entry in entries for event in entry.events]


async def test_group_reads_each_entry_once_and_acknowledges(store: Any) -> None:
    sent = await ingest(store, 3)
    reader = StreamReader(store, "acme", "billing", "worker-1")
    await reader.ensure_group()
    await reader.ensure_group()
    entries = await reader.read(count=10)
    assert event_ids(entries) == sent
    assert await reader.read(count=10) == []
    assert await reader.ack([entry.id for entry in entries]) == 3
    assert await reader.pending() == []


async def test_unacknowledged_entries_survive_a_restart(store: Any) -> None:
    await ingest(store, 2)
    reader = StreamReader(store, "acme", "billing", "worker-1")
    await reader.ensure_group()
    await reader.read(count=1)
    restarted = StreamReader(store, "acme", "billing", "worker-1")
    assert len(await restarted.pending()) == 1


async def test_entries_of_a_dead_consumer_are_reclaimed(store: Any) -> None:
    await ingest(store, 2)
    dead = StreamReader(store, "acme", "engine", "dead")
    await dead.ensure_group()
    taken = await dead.read(count=2)
    alive = StreamReader(store, "acme", "engine", "alive")
    assert await alive.reclaim(min_idle_ms=60_000) == []
    reclaimed = await alive.reclaim(min_idle_ms=0)
    assert [entry.id for entry in reclaimed] == [entry.id for entry in taken]
    assert len(await alive.pending()) == 2


async def test_read_range_pages_through_time(store: Any) -> None:
    sent = await ingest(store, 5)
    now = datetime.now(UTC)
    found = [
        entry async for entry in read_range(store, "acme", now - timedelta(minutes=1), page_size=2)
    ]
    assert event_ids(found) == sent
    later = [entry async for entry in read_range(store, "acme", now + timedelta(minutes=1))]
    assert later == []


async def test_a_batch_is_one_entry_of_its_events(store: Any) -> None:
    issued = await ShopRegistry(store).create("Acme", (ORIGIN,))
    events = [make_event(), make_event("Product Added")]
    ingestor = EventIngestor(store, 180, RateLimits())
    await ingestor.ingest(Batch(issued.shop.site_key, None, events), ORIGIN, BROWSER)
    reader = StreamReader(store, "acme", "engine", "worker")
    await reader.ensure_group()
    [entry] = await reader.read()
    assert [event.type for event in entry.events] == ["Product Viewed", "Product Added"]


async def test_group_backlog_counts_unread_and_unacknowledged_entries(store: Any) -> None:
    await ingest(store, 3)
    stream = event_stream("acme")
    reader = StreamReader(store, "acme", "billing", "worker-1")
    await reader.ensure_group()
    assert await group_backlog(store, stream) == {"billing": 3}
    entries = await reader.read(count=2)
    assert await group_backlog(store, stream) == {"billing": 3}
    await reader.ack([entry.id for entry in entries])
    assert await group_backlog(store, stream) == {"billing": 1}
    await reader.ack([entry.id for entry in await reader.read(count=10)])
    assert await group_backlog(store, stream) == {"billing": 0}
    assert await group_backlog(store, event_stream("nobody")) == {}
