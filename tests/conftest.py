"""Fixtures shared by every test: a real store, a clean database per test, the app.

The store is the embedded Valkey server, started once per session; with
BASKETLIFT_TEST_REDIS_URL set, tests run against that server instead.
"""

from __future__ import annotations

import datetime
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import redis
from starlette.testclient import TestClient

from billing.contract_store import add_contract, contract_versions
from billing.contracts import Contract
from engine import files
from engine.sessions import ItemIds, NextItemCases, Sessions
from tests.cluster import valkey_cluster
from widget.app import create_app
from widget.platform.embedded import EmbeddedStore
from widget.platform.settings import Settings
from widget.platform.store import connect
from widget.recommendations.keys import HOLDOUT_SECRET

ADMIN_TOKEN = "test-admin-token-0123456789"
ORIGIN = "https://shop.example"
HOLDOUT_SECRET_OF_TESTS = "holdout-secret-of-the-tests"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = os.environ.get("BASKETLIFT_TEST_REDIS_URL")
    if configured:
        yield configured
        return
    with EmbeddedStore(tmp_path_factory.mktemp("store")) as store:
        yield store.url


@pytest.fixture
def clean_store(store_url: str) -> str:
    """The store's URL, after emptying its database."""
    client: Any = redis.Redis.from_url(store_url)
    if client.info("cluster").get("cluster_enabled"):
        client.close()
        client = redis.RedisCluster.from_url(store_url)
    client.flushdb()
    # A fixed holdout secret, so a test's fixed visitors fall in the same arm on every run.
    client.set(HOLDOUT_SECRET, HOLDOUT_SECRET_OF_TESTS)
    client.close()
    return store_url


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def store(clean_store: str) -> AsyncIterator[Any]:
    """A redis.asyncio client of a clean database, for tests of library code."""
    client = await connect(clean_store)
    yield client
    await client.aclose()


@pytest.fixture
def settings(clean_store: str, tmp_path: Path) -> Settings:
    return Settings(
        redis_url=clean_store,
        data_dir=tmp_path / "data",
        admin_token=ADMIN_TOKEN,
        rate_limit_site=10_000.0,
        rate_limit_client=10_000.0,
        # All of TestClient's requests come from one address; the limit has tests of its own.
        new_visitors_per_network_hour=1_000_000,
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


# What Chromium 156 sent with the widget's `fetch(url, {credentials: "omit"})` from a shop's
# page, recorded from a real browser (Host and Connection left out; the page was on
# another port of 127.0.0.1, so Sec-Fetch-Site was same-site).
CHROMIUM_FETCH_HEADERS = {
    "sec-ch-ua-platform": '"Linux"',
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36",
    "sec-ch-ua": '"Not:A-Brand";v="8", "Chromium";v="156"',
    "sec-ch-ua-mobile": "?0",
    "Accept": "*/*",
    "Origin": ORIGIN,
    "Sec-Fetch-Site": "cross-site",
    "Sec-Fetch-Mode": "cors",
    "Sec-Fetch-Dest": "empty",
    "Referer": ORIGIN + "/",
    "Accept-Encoding": "gzip, deflate, br, zstd",
    "Accept-Language": "en-US,en;q=0.9",
}


def set_holdout_share(client: TestClient, shop: str, share: float, **extra: Any) -> Contract:
    """A contract in force this month with `share` (the shop's next version, signed before
    the month began), and the servers' cache of the share emptied."""
    store = client.app.state.services.redis  # type: ignore[attr-defined]
    portal: Any = client.portal
    versions = portal.call(contract_versions, store, shop)
    first = datetime.datetime.now(datetime.UTC).date().replace(day=1)
    terms: dict[str, Any] = {
        "currency": "EUR",
        "revenue_share_percent": Decimal(10),
        "basis": "lower_bound",
    }
    terms |= extra
    contract = Contract(
        shop=shop,
        version=len(versions) + 1,
        effective_from=first,
        holdout_share=share,
        **terms,
    )
    portal.call(add_contract, store, contract, contract.starts_at - datetime.timedelta(days=1))
    client.app.state.serving.holdout_shares._values.clear()  # type: ignore[attr-defined]
    return contract


@contextmanager
def app_on_its_own_store(
    settings: Settings, folder: Path
) -> Iterator[tuple[TestClient, dict[str, Any], EmbeddedStore]]:
    """An app on a store of its own, with one shop: stop the store to see the app lose it."""
    store = EmbeddedStore(folder)
    url = store.start()
    try:
        with TestClient(create_app(replace(settings, redis_url=url))) as client:
            created = client.post(
                "/v1/admin/shops",
                json={"name": "Doomed", "origins": [ORIGIN]},
                headers=admin_headers(),
            ).json()
            yield client, created, store
    finally:
        store.stop()


@pytest.fixture
def shop(client: TestClient) -> dict[str, Any]:
    """A shop created over the admin API: its id, site key, secret key and origins."""
    response = client.post(
        "/v1/admin/shops",
        json={"name": "Test Shop", "id": "test-shop", "origins": [ORIGIN]},
        headers=admin_headers(),
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def make_event(event_type: str = "Product Viewed", **properties: Any) -> dict[str, Any]:
    """A valid event; product events get a product id unless one is given."""
    if event_type.startswith("Product ") and event_type != "Product List Viewed":
        properties.setdefault("product_id", "85123A")
    return {
        "event_id": str(uuid.uuid4()),
        "type": event_type,
        "anonymous_id": "visitor-1",
        "session_id": "session-1",
        "timestamp": "2026-11-23T10:00:00Z",
        "properties": properties,
        "context": {"page": {"url": "https://shop.example/p/85123A", "referrer": ""}},
    }


@pytest.fixture(scope="module")
def cluster_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real three-node Valkey cluster for the tests of one module."""
    with valkey_cluster(tmp_path_factory.mktemp("cluster")) as url:
        yield url


@pytest.fixture
async def cluster(cluster_url: str) -> AsyncIterator[Any]:
    """A cluster client on an emptied cluster."""
    client = await connect(cluster_url)
    await client.flushall()
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
def yoochoose() -> tuple[ItemIds, Sessions, NextItemCases]:
    """The catalogue and sessions of the yoochoose sample's `train_full`, and every next
    click of its `test`."""
    folder = SHARED_DATA / "yoochoose-sample"
    raw = files.read_click_log(folder / "yoochoose-clicks-100k_train_full.txt.gz")
    item_ids, train = files.load_training(raw)
    test = files.encode(
        files.read_click_log(folder / "yoochoose-clicks-100k_test.txt.gz"), item_ids
    )
    return item_ids, train, NextItemCases.from_sessions(test)
