from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from tests.conftest import ORIGIN, make_event
from tracker import keys
from tracker.batch import MAX_BATCH_EVENTS, Batch
from tracker.client import Client
from tracker.dedup import DedupWindow, digest
from tracker.errors import OriginNotAllowed, RateLimited, TooManyEvents, UnknownSiteKey
from tracker.ingest import DEDUPLICATION_HOURS, EventIngestor, RateLimits
from tracker.shops import ShopRegistry

pytestmark = pytest.mark.anyio
BROWSER = Client("hash-1", "203.0.113.0", "Mozilla/5.0 Firefox/133.0", bot=False)


async def setup(store: Any, limits: RateLimits | None = None) -> tuple[EventIngestor, str]:
    issued = await ShopRegistry(store).create("Acme", (ORIGIN,))
    ingestor = EventIngestor(store, dead_letter_days=180, limits=limits or RateLimits())
    return ingestor, issued.shop.site_key


async def test_valid_events_are_appended_with_what_the_server_adds(store: Any) -> None:
    ingestor, site_key = await setup(store)
    result = await ingestor.ingest(Batch(site_key, None, [make_event()]), ORIGIN, BROWSER)
    assert (result.accepted, result.duplicates, result.rejected) == (1, 0, ())
    [(_, fields)] = await store.xrange(keys.event_stream("acme"))
    assert fields["n"] == "1"
    stored = orjson.loads(fields["events"])
    assert (stored["shop"], stored["bot"]) == ("acme", False)
    assert stored["context"]["ip"] == "203.0.113.0" and "received_at" in stored


async def test_retried_batch_is_counted_once(store: Any) -> None:
    ingestor, site_key = await setup(store)
    batch = Batch(site_key, None, [make_event(), make_event()])
    await ingestor.ingest(batch, ORIGIN, BROWSER)
    again = await ingestor.ingest(batch, ORIGIN, BROWSER)
    assert (again.accepted, again.duplicates) == (0, 2)
    assert await store.xlen(keys.event_stream("acme")) == 1


async def test_a_repeated_id_within_a_batch_is_a_duplicate(store: Any) -> None:
    ingestor, site_key = await setup(store)
    event = make_event()
    result = await ingestor.ingest(Batch(site_key, None, [event, event]), ORIGIN, BROWSER)
    assert (result.accepted, result.duplicates) == (1, 1)


async def test_duplicates_are_found_across_the_window(store: Any) -> None:
    ingestor, site_key = await setup(store)
    event = make_event()
    now = datetime.now(UTC)
    window = timedelta(hours=DEDUPLICATION_HOURS)
    first = await ingestor.ingest(Batch(site_key, None, [event]), ORIGIN, BROWSER, now - window)
    result = await ingestor.ingest(Batch(site_key, None, [event]), ORIGIN, BROWSER, now)
    assert (first.accepted, result.accepted, result.duplicates) == (1, 0, 1)


async def test_an_id_counts_again_once_the_window_and_its_bucket_passed(store: Any) -> None:
    ingestor, site_key = await setup(store)
    event = make_event()
    now = datetime.now(UTC)
    past = timedelta(hours=DEDUPLICATION_HOURS) * 9 / 8 + timedelta(seconds=1)
    await ingestor.ingest(Batch(site_key, None, [event]), ORIGIN, BROWSER, now - past)
    result = await ingestor.ingest(Batch(site_key, None, [event]), ORIGIN, BROWSER, now)
    assert (result.accepted, result.duplicates) == (1, 0)


async def test_ids_are_kept_as_digests_in_a_bucket_that_expires(store: Any) -> None:
    ingestor, site_key = await setup(store)
    event = make_event()
    now = datetime.now(UTC)
    await ingestor.ingest(Batch(site_key, None, [event]), ORIGIN, BROWSER, now)
    window = DedupWindow(DEDUPLICATION_HOURS * 3_600_000)
    bucket = keys.seen_event_ids("acme", window.bucket(int(now.timestamp() * 1000)))
    assert await store.scard(bucket) == 1
    assert await store.smismember(bucket, [digest(event["event_id"])]) == [1]
    assert await store.pexpiretime(bucket) == window.expires_at(
        window.bucket(int(now.timestamp() * 1000))
    )


async def test_invalid_events_go_to_the_dead_letter_stream(store: Any) -> None:
    ingestor, site_key = await setup(store)
    batch = Batch(site_key, None, [make_event(), {"type": "Nope"}])
    result = await ingestor.ingest(batch, ORIGIN, BROWSER)
    assert [r.as_dict() for r in result.rejected] == [
        {"index": 1, "field": "type", "reason": result.rejected[0].reason}
    ]
    [(_, fields)] = await store.xrange(keys.dead_letter_stream("acme"))
    assert orjson.loads(fields["events"])["field"] == "type"


async def test_unknown_site_key_and_origin(store: Any) -> None:
    ingestor, site_key = await setup(store)
    with pytest.raises(UnknownSiteKey):
        await ingestor.ingest(Batch(site_key + "0", None, []), ORIGIN, BROWSER)
    now = datetime.now(UTC)
    with pytest.raises(OriginNotAllowed):
        await ingestor.ingest(Batch(site_key, None, []), "https://evil.example", BROWSER, now)
    counted = await store.hgetall(keys.refused_origins("acme", now.strftime("%Y%m%d%H")))
    assert counted == {"https://evil.example": "1"}


async def test_rate_limit_per_client_allows_a_burst_then_refuses(store: Any) -> None:
    ingestor, site_key = await setup(store, RateLimits(1000, client_per_second=1, burst_seconds=3))
    for _ in range(3):
        await ingestor.ingest(Batch(site_key, None, [make_event()]), ORIGIN, BROWSER)
    with pytest.raises(RateLimited) as caught:
        await ingestor.ingest(Batch(site_key, None, [make_event()]), ORIGIN, BROWSER)
    assert caught.value.retry_after == 1
    other = Client("hash-2", None, "Mozilla/5.0", bot=False)
    await ingestor.ingest(Batch(site_key, None, [make_event()]), ORIGIN, other)
    assert await store.xlen(keys.event_stream("acme")) == 4


async def test_refused_batch_stores_nothing(store: Any) -> None:
    ingestor, site_key = await setup(store, RateLimits(1000, client_per_second=1, burst_seconds=1))
    await ingestor.ingest(Batch(site_key, None, [make_event()]), ORIGIN, BROWSER)
    with pytest.raises(RateLimited):
        await ingestor.ingest(Batch(site_key, None, [make_event(), {}]), ORIGIN, BROWSER)
    assert await store.xlen(keys.event_stream("acme")) == 1
    assert await store.xlen(keys.dead_letter_stream("acme")) == 0


async def old_entries(store: Any, stream: str) -> None:
    old_id = int((datetime.now(UTC) - timedelta(days=200)).timestamp() * 1000)
    for offset in range(200):
        await store.xadd(stream, {"n": 1, "events": "{}"}, id=f"{old_id + offset}-0")


async def test_old_dead_letters_are_trimmed_by_retention(store: Any) -> None:
    ingestor, site_key = await setup(store)
    await old_entries(store, keys.dead_letter_stream("acme"))
    await ingestor.ingest(Batch(site_key, None, [{}]), ORIGIN, BROWSER)
    assert await store.xlen(keys.dead_letter_stream("acme")) < 200


async def test_ingestion_never_trims_unarchived_events(store: Any) -> None:
    ingestor, site_key = await setup(store)
    await old_entries(store, keys.event_stream("acme"))
    await ingestor.ingest(Batch(site_key, None, [make_event()]), ORIGIN, BROWSER)
    assert await store.xlen(keys.event_stream("acme")) == 201


async def test_more_than_500_events_are_refused_whole(store: Any) -> None:
    ingestor, site_key = await setup(store)
    events = [make_event() for _ in range(MAX_BATCH_EVENTS + 1)]
    with pytest.raises(TooManyEvents):
        await ingestor.ingest(Batch(site_key, None, events), ORIGIN, BROWSER)
    assert await store.exists(keys.event_stream("acme")) == 0


async def test_clients_that_exhaust_the_site_limit_do_not_lock_out_the_others(store: Any) -> None:
    limits = RateLimits(site_per_second=10, client_per_second=5, burst_seconds=1)
    ingestor, site_key = await setup(store, limits)
    refused = 0
    for _ in range(5):
        for n in range(8):
            attacker = Client(f"attacker-{n}", None, "Mozilla/5.0", bot=False)
            try:
                await ingestor.ingest(Batch(site_key, None, [make_event()]), ORIGIN, attacker)
            except RateLimited:
                refused += 1
    assert refused >= 25
    visitor = Client("genuine", None, "Mozilla/5.0", bot=False)
    result = await ingestor.ingest(Batch(site_key, None, [make_event()]), ORIGIN, visitor)
    assert result.accepted == 1


async def test_past_its_ceiling_the_site_limit_refuses_everyone(store: Any) -> None:
    limits = RateLimits(site_per_second=10, client_per_second=5, burst_seconds=1)
    ingestor, site_key = await setup(store, limits)
    accepted = 0
    for n in range(60):
        visitor = Client(f"visitor-{n}", None, "Mozilla/5.0", bot=False)
        try:
            await ingestor.ingest(Batch(site_key, None, [make_event()]), ORIGIN, visitor)
            accepted += 1
        except RateLimited:
            pass
    assert 29 <= accepted <= 35
