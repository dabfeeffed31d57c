from __future__ import annotations

from typing import Any

import pytest
import redis.exceptions

from tests.conftest import ORIGIN, make_event
from tracker.batch import Batch
from tracker.client import Client
from tracker.ingest import EventIngestor, RateLimits
from tracker.shops import ShopRegistry
from widget.events import keys
from widget.events.live_state import LiveStateUpdater

pytestmark = pytest.mark.anyio
BROWSER = Client("h", None, "Mozilla/5.0 Firefox/133.0", bot=False)
ROBOT = Client("r", None, "Googlebot/2.1", bot=True)


async def send(store: Any, client: Client, *events: dict[str, Any]) -> None:
    registry = ShopRegistry(store)
    shop = await registry.get("acme") if await store.exists("bl:{acme}:shop") else None
    site_key = shop.site_key if shop else (await registry.create("Acme", (ORIGIN,))).shop.site_key
    ingestor = EventIngestor(store, 180, RateLimits())
    await ingestor.ingest(Batch(site_key, None, list(events)), ORIGIN, client)


async def test_sessions_keep_their_products_newest_first(store: Any) -> None:
    await send(
        store, BROWSER, make_event(product_id="a"), make_event("Product Added", product_id="b")
    )
    assert await LiveStateUpdater(store).run_once() == 1
    assert await store.lrange(keys.session_items("acme", "session-1"), 0, -1) == ["b", "a"]


async def test_interest_counts_per_day_and_purchases_per_visitor(store: Any) -> None:
    order = make_event("Order Completed", order_id="o1", products=[{"product_id": "c"}])
    await send(
        store,
        BROWSER,
        make_event(product_id="a"),
        make_event("Product Added", product_id="a"),
        order,
    )
    await LiveStateUpdater(store).run_once()
    [views_key] = await store.keys("bl:{acme}:views:*")
    assert await store.zscore(views_key, "a") == 4.0
    assert await store.zrange(keys.bought("acme", "visitor-1"), 0, -1) == ["c"]


async def test_bot_events_change_nothing_and_entries_are_applied_once(store: Any) -> None:
    await send(store, ROBOT, make_event(product_id="a"))
    updater = LiveStateUpdater(store)
    assert await updater.run_once() == 1
    assert await updater.run_once() == 0
    assert await store.keys("bl:{acme}:session:*") == []


async def test_many_views_in_one_request_count_as_one_visitor(store: Any) -> None:
    await send(store, BROWSER, *[make_event(product_id="a") for _ in range(300)])
    await LiveStateUpdater(store).run_once()
    [views_key] = await store.keys("bl:{acme}:views:*")
    assert await store.zscore(views_key, "a") == 1.0


async def test_a_batch_that_fails_midway_is_not_counted_again(store: Any) -> None:
    for n in range(20):
        await send(store, BROWSER, make_event(product_id=f"p{n}") | {"session_id": f"s{n}"})
    # The 11th entry's session key holds a string: its LPUSH fails in the middle of the batch.
    await store.set(keys.session_items("acme", "s10"), "not a list")
    updater = LiveStateUpdater(store, reclaim_after_ms=0)
    with pytest.raises(redis.exceptions.ResponseError, match="WRONGTYPE"):
        await updater.run_once()
    await updater.run_once()
    [views_key] = await store.keys("bl:{acme}:views:*")
    scores = await store.zrange(views_key, 0, -1, withscores=True)
    assert sorted(scores) == sorted((f"p{n}", 1.0) for n in range(20))
