"""The columnar read of a shop's history against the event-by-event one, on the real OTTO
sessions ingested through the tracker and partly archived."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine.interactions import EventTable, EventWeights, Interactions
from engine.shop_history import read_event_table
from tests.conftest import ORIGIN
from tests.engine.samples import otto_events
from tests.engine.test_training import ingest_otto
from tracker.archive import Archive
from tracker.archive_rows import EVENTS, entry_id, split_id
from tracker.batch import Batch
from tracker.client import Client
from tracker.history import read_history
from tracker.ingest import EventIngestor, RateLimits
from tracker.keys import event_stream
from tracker.shops import ShopRegistry

pytestmark = pytest.mark.anyio
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
OTTO_EVENTS = 857
DAY_MS = 86_400_000


async def ingest_noise(store: Any, shop: str) -> int:
    """A crawler's views and a visitor's page views: events that give no row."""
    ingestor = EventIngestor(store, dead_letter_days=180, limits=RateLimits(1e6, 1e6))
    key = (await ShopRegistry(store).get(shop)).site_key
    views = [{**e, "event_id": e["event_id"][:-4] + "beef"} for e in otto_events()[:5]]
    pages = [{**e, "type": "Page Viewed", "properties": {}} for e in otto_events()[10:13]]
    pages = [{**e, "event_id": e["event_id"][:-4] + "cafe"} for e in pages]
    crawler = Client("hash-2", "198.51.100.0", "Googlebot/2.1", bot=True)
    browser = Client("hash-1", "203.0.113.0", "Mozilla/5.0 Firefox/133.0", bot=False)
    for events, client in ((views, crawler), (pages, browser)):
        result = await ingestor.ingest(Batch(key, None, events), ORIGIN, client)
        assert result.accepted == len(events)
    return len(views) + len(pages)


async def both_ways(store: Any, shop: str, archive: Archive | None) -> tuple[EventTable, ...]:
    """The table event by event (`read_history`) and column by column; both read all."""
    history = read_history(store, shop, EPOCH, archive=archive)
    events = [event async for entry in history for event in entry.events]
    columnar, count = await read_event_table(store, shop, archive)
    assert count == len(events)
    return EventTable.from_events(events), columnar


def assert_same(one: EventTable, other: EventTable) -> None:
    for field in fields(EventTable):
        a, b = getattr(one, field.name), getattr(other, field.name)
        a, b = getattr(a, "ids", a), getattr(b, "ids", b)
        assert a.dtype == b.dtype and np.array_equal(a, b), field.name


def assert_same_interactions(one: EventTable, other: EventTable) -> None:
    weights = EventWeights(half_life_days=2.0)
    a, b = Interactions.build(one, weights), Interactions.build(other, weights)
    assert np.array_equal(a.item_ids.ids, b.item_ids.ids)
    assert (a.confidences != b.confidences).nnz == 0
    for mine, theirs in ((a.sessions, b.sessions), (a.baskets, b.baskets)):
        assert np.array_equal(mine.items, theirs.items)
        assert np.array_equal(mine.offsets, theirs.offsets)


async def test_archive_and_stream_overlapping_read_once_alike(store: Any, tmp_path: Path) -> None:
    shop = await ingest_otto(store)
    noise = await ingest_noise(store, shop)
    raw = await store.xrange(event_stream(shop))
    archive = Archive.open(tmp_path)
    archive.write(EVENTS, shop, raw[:4])
    # The stream still holds two entries the archive has: each is read once.
    await store.xtrim(event_stream(shop), minid=raw[2][0], approximate=False)
    old, new = await both_ways(store, shop, archive)
    assert_same(old, new)
    assert_same_interactions(old, new)
    alone, _ = await read_event_table(store, shop)
    assert len(alone) < len(new)
    orders = [e for e in otto_events() if e["type"] == "Order Completed"]
    ordered = sum(len(order["properties"]["products"]) for order in orders)
    assert len(new) == OTTO_EVENTS - len(orders) + ordered and noise == 8
    assert len(new.visitor_ids) == 20 and new.orders.max() == 4


async def test_days_of_archive_then_the_stream_read_alike(store: Any, tmp_path: Path) -> None:
    shop = await ingest_otto(store)
    await ingest_noise(store, shop)
    raw = await store.xrange(event_stream(shop))
    archive = Archive.open(tmp_path)
    # The crawler's and the page views, then the first three entries, archived on four
    # earlier days; the stream keeps the rest.
    early = [*raw[5:], *raw[:3]]
    now = split_id(raw[0][0])[0]
    days = [(entry_id(now - (4 - i // 2) * DAY_MS, i), found) for i, (_, found) in enumerate(early)]
    archive.write(EVENTS, shop, days)
    await store.xtrim(event_stream(shop), minid=raw[3][0], approximate=False)
    await store.xdel(event_stream(shop), raw[5][0], raw[6][0])
    assert len(archive.days(EVENTS, shop)) == 3
    old, new = await both_ways(store, shop, archive)
    assert_same(old, new)
    assert_same_interactions(old, new)
    assert len(new.visitor_ids) == 20


async def test_everything_archived_or_nothing_archived_reads_alike(
    store: Any, tmp_path: Path
) -> None:
    shop = await ingest_otto(store)
    old, new = await both_ways(store, shop, None)
    assert_same(old, new)
    archive = Archive.open(tmp_path)
    archive.write(EVENTS, shop, await store.xrange(event_stream(shop)))
    await store.xtrim(event_stream(shop), maxlen=0, approximate=False)
    archived_old, archived_new = await both_ways(store, shop, archive)
    assert_same(archived_old, archived_new)
    assert_same(old, archived_new)


async def test_a_shop_without_events_gives_an_empty_table(store: Any, tmp_path: Path) -> None:
    table, events = await read_event_table(store, "nobody", Archive.open(tmp_path))
    assert (len(table), events, len(table.visitor_ids)) == (0, 0, 0)
