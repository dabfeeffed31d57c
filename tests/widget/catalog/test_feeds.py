"""Catalogues from URLs, over a real local HTTP server: once, and synced on a schedule."""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import admin_headers
from tracker.shops import ShopRegistry
from widget.app import create_app
from widget.catalog import FeedFetcher, FeedSyncer, keys
from widget.catalog.errors import FeedUnreachable, UploadTooLarge
from widget.catalog.feeds import Feed, FeedOptionsGiven, FeedStore
from widget.platform.settings import Settings
from widget.platform.store import connect

EXPORTS = Path(__file__).parent / "exports"
TRUSTED = ("127.0.0.1",)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def feed_server() -> Iterator[str]:
    """The exports folder served over plain http on 127.0.0.1: its base URL."""
    handler = functools.partial(_Quiet, directory=str(EXPORTS))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def trusting_client(settings: Settings) -> Iterator[TestClient]:
    # Consumers apart: no scheduled sync runs behind the requests of these tests.
    trusting = dataclasses.replace(
        settings, catalog_feed_trusted_hosts=TRUSTED, consumers="separate"
    )
    with TestClient(create_app(trusting)) as client:
        yield client


def post_import(client: TestClient, shop: dict[str, Any], **body: Any) -> Any:
    headers = {"Authorization": f"Bearer {shop['secret_key']}"}
    return client.post("/v1/catalog-imports", json=body, headers=headers)


def test_a_feed_url_is_imported(
    trusting_client: TestClient, feed_server: str, settings: Settings
) -> None:
    shop = _shop(trusting_client)
    answer = post_import(trusting_client, shop, url=f"{feed_server}/merchant_center.xml")
    assert answer.json() == {"upserted": 2, "deleted": 0, "rejected": [], "rejected_count": 0}
    headers = {"Authorization": f"Bearer {shop['secret_key']}"}
    shown = trusting_client.get("/v1/catalog/TSHIRT", headers=headers).json()
    assert (shown["price"], shown["variants"]) == ("4.95", ["TSHIRT-S", "TSHIRT-M"])


def test_feed_urls_are_https_and_public_unless_the_host_is_trusted(
    client: TestClient, trusting_client: TestClient, feed_server: str
) -> None:
    shop = _shop(client)
    plain = post_import(client, shop, url=f"{feed_server}/merchant_center.xml").json()["error"]
    assert (plain["status"], plain["code"], plain["field"]) == (400, "feed_unreachable", "url")
    assert plain["message"].startswith("a feed URL must start with https://")
    loopback = post_import(client, shop, url="https://127.0.0.1:9/feed.xml").json()["error"]
    assert "has the non-public address 127.0.0.1" in loopback["message"]
    missing = post_import(trusting_client, shop, url=f"{feed_server}/nothing.xml").json()
    assert missing["error"]["message"] == f"{feed_server}/nothing.xml answered HTTP 404, not 200"


@pytest.mark.anyio
async def test_a_feed_over_its_size_limit_is_refused(feed_server: str) -> None:
    fetcher = FeedFetcher(TRUSTED, max_bytes=1000)
    with pytest.raises(UploadTooLarge, match="the feed has more than 1000 bytes"):
        async with fetcher.open(f"{feed_server}/merchant_center.xml") as chunks:
            async for _ in chunks:
                pass
    with pytest.raises(FeedUnreachable, match="the host 'no-such-host.invalid' is not found"):
        async with fetcher.open("https://no-such-host.invalid/feed.xml"):
            pass


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.mark.anyio
async def test_a_feed_is_synced_when_due_by_one_process(clean_store: str, feed_server: str) -> None:
    redis = await connect(clean_store)
    await ShopRegistry(redis).create("Shop", ("https://shop.example",), "shop")
    clock = Clock(1_800_000_000.0)
    feeds = FeedStore(redis, clock)
    url = f"{feed_server}/shopify_products.csv"
    await feeds.register("shop", Feed(url, 60, True, FeedOptionsGiven(currency="EUR")))
    syncer = FeedSyncer(redis, FeedFetcher(TRUSTED), clock)
    await redis.set(keys.feed_lock("shop"), "another process")
    assert await syncer.run_once() == 0  # locked
    await redis.delete(keys.feed_lock("shop"))
    assert await syncer.run_once() == 1
    state = await feeds.get("shop")
    assert state is not None and state.last_sync == {
        "at": "2027-01-15T08:00:00+00:00", "ok": True, "error": None,
        "upserted": 2, "deleted": 0, "rejected": [], "rejected_count": 0,
    }  # fmt: skip
    assert state.next_sync_at == clock.now + 3600
    clock.now += 3599
    assert await syncer.run_once() == 0  # not due yet
    await feeds.register("shop", Feed(f"{feed_server}/gone.csv", 60))
    assert await syncer.run_once() == 1
    state = await feeds.get("shop")
    assert state is not None and state.last_sync is not None
    assert (state.last_sync["ok"], state.last_sync["error"]) == (
        False,
        f"{feed_server}/gone.csv answered HTTP 404, not 200",
    )
    assert await redis.hlen(keys.catalog("shop")) == 2  # a failed sync deletes nothing
    await redis.aclose()


def test_the_feed_is_registered_shown_and_removed(
    trusting_client: TestClient, feed_server: str
) -> None:
    shop = _shop(trusting_client)
    headers = {"Authorization": f"Bearer {shop['secret_key']}"}
    body = {"url": f"{feed_server}/merchant_center.tsv", "every_minutes": 5}
    too_often = trusting_client.put("/v1/catalog-feed", json=body, headers=headers).json()
    assert too_often["error"]["field"] == "every_minutes"
    body["every_minutes"] = 60
    registered = trusting_client.put("/v1/catalog-feed", json=body, headers=headers).json()
    assert registered["url"] == body["url"] and registered["last_sync"] is None
    assert trusting_client.get("/v1/catalog-feed", headers=headers).json() == registered
    assert trusting_client.delete("/v1/catalog-feed", headers=headers).json() == {"deleted": True}
    assert trusting_client.get("/v1/catalog-feed", headers=headers).status_code == 404


def _shop(client: TestClient) -> dict[str, Any]:
    body = {"name": "Test Shop", "id": "test-shop", "origins": ["https://shop.example"]}
    response = client.post("/v1/admin/shops", json=body, headers=admin_headers())
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_a_host_name_that_is_not_a_name_is_refused_not_a_crash(client: TestClient) -> None:
    refused = post_import(client, _shop(client), url="https://\u0080").json()["error"]
    assert (refused["status"], refused["code"], refused["field"]) == (
        400,
        "feed_unreachable",
        "url",
    )
