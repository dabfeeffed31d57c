"""Every store failure on a public endpoint is a 503 with Retry-After, and not ready."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import redis
from starlette.testclient import TestClient

from tests.conftest import ORIGIN, app_on_its_own_store, make_event
from tests.widget.catalog.samples import as_ndjson, online_retail
from tests.widget.orders.test_api import make_order
from tests.widget.recommendations.test_api import recommend
from widget.platform.settings import Settings
from widget.platform.store_errors import is_store_failure

PRODUCTS = online_retail(20)


def fill_up(url: str) -> None:
    """The store at `maxmemory 1mb` with `noeviction`, written to until it refuses."""
    store = redis.Redis.from_url(url)
    store.config_set("maxmemory-policy", "noeviction")
    store.config_set("maxmemory", "1mb")
    with pytest.raises(redis.exceptions.OutOfMemoryError):
        for n in range(100_000):
            store.set(f"filler:{n}", "x" * 10_000)
    store.close()


@pytest.fixture
def full(settings: Settings, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    """An app whose shop has a catalogue, on a store that is then filled up."""
    with app_on_its_own_store(settings, tmp_path / "full") as (client, created, store):
        secret = {"Authorization": f"Bearer {created['secret_key']}"}
        upload = client.put(
            "/v1/catalog",
            content=as_ndjson(PRODUCTS),
            headers=secret | {"Content-Type": "application/x-ndjson"},
        )
        assert upload.status_code == 200, upload.text
        fill_up(store.url)
        yield client, created


def refused(response: Any) -> bool:
    return bool(
        response.status_code == 503
        and response.headers.get("retry-after", "").isdigit()
        and response.json()["error"]["code"].startswith("store_")
    )


def test_recommendations_on_a_full_store_are_503(full: tuple[TestClient, Any]) -> None:
    client, shop = full
    assert refused(recommend(client, shop, anonymous_id="new-visitor"))


def test_events_on_a_full_store_are_503(full: tuple[TestClient, Any]) -> None:
    client, shop = full
    body = orjson.dumps({"site_key": shop["site_key"], "events": [make_event()]})
    response = client.post("/v1/events", content=body, headers={"Origin": ORIGIN})
    assert refused(response)
    assert response.headers["access-control-allow-origin"] == ORIGIN


def test_catalog_and_orders_on_a_full_store_are_503(full: tuple[TestClient, Any]) -> None:
    client, shop = full
    secret = {"Authorization": f"Bearer {shop['secret_key']}"}
    more = as_ndjson(online_retail(25)[20:])
    upload = client.put(
        "/v1/catalog", content=more, headers=secret | {"Content-Type": "application/x-ndjson"}
    )
    assert refused(upload)
    assert refused(client.post("/v1/orders", json=make_order(), headers=secret))


def test_a_full_store_is_not_ready(full: tuple[TestClient, Any]) -> None:
    client, _ = full
    response = client.get("/readyz")
    assert response.status_code == 503 and "maxmemory" in response.json()["reason"]
    assert response.headers["retry-after"].isdigit()
    assert client.get("/healthz").status_code == 200


def test_a_store_error_that_is_a_bug_is_not_a_failure_of_the_store() -> None:
    assert not is_store_failure(redis.exceptions.ResponseError("WRONGTYPE Operation"))
    assert is_store_failure(redis.exceptions.ResponseError("MISCONF Errors writing to disk"))
    assert is_store_failure(redis.exceptions.ClusterDownError("CLUSTERDOWN"))
    assert is_store_failure(redis.exceptions.SlotNotCoveredError("no node for slot"))
