from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import redis
import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from starlette.testclient import TestClient

from tests.conftest import ORIGIN, admin_headers, app_on_its_own_store, make_event
from tracker.batch import MAX_BATCH_EVENTS, MAX_BODY_BYTES
from widget.app import create_app
from widget.platform.settings import Settings

HEADERS = {"Origin": ORIGIN, "Content-Type": "text/plain"}


def send(client: TestClient, body: Any, headers: dict[str, str] = HEADERS) -> Any:
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    return client.post("/v1/events", content=content, headers=headers)


def batch(shop: dict[str, Any], *events: Any) -> dict[str, Any]:
    return {"site_key": shop["site_key"], "sent_at": "2026-11-23T10:00:01Z", "events": events}


def error_of(response: Any) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    assert error["status"] == response.status_code
    return error


def test_batch_is_accepted_with_cors_for_the_shop_origin(client: TestClient, shop: Any) -> None:
    response = send(client, batch(shop, make_event(), make_event()))
    assert response.json() == {"accepted": 2, "duplicates": 0, "rejected": []}
    assert response.headers["access-control-allow-origin"] == ORIGIN


def test_json_content_type_and_no_origin_are_accepted(client: TestClient, shop: Any) -> None:
    response = send(client, batch(shop, make_event()), {"Content-Type": "application/json"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_retried_batch_reports_duplicates(client: TestClient, shop: Any) -> None:
    body = batch(shop, make_event())
    send(client, body)
    assert send(client, body).json() == {"accepted": 0, "duplicates": 1, "rejected": []}


def test_invalid_events_are_reported_and_valid_ones_kept(client: TestClient, shop: Any) -> None:
    response = send(client, batch(shop, make_event(), make_event(price="cheap")))
    assert response.json()["accepted"] == 1
    assert response.json()["rejected"] == [
        {"index": 1, "field": "properties.price", "reason": "must be a number"}
    ]


def test_400_when_body_is_not_json(client: TestClient, shop: Any) -> None:
    response = send(client, b"site_key=pk")
    assert response.status_code == 400 and "not valid JSON" in error_of(response)["message"]


def test_400_when_body_is_not_an_object(client: TestClient, shop: Any) -> None:
    response = send(client, [make_event()])
    assert response.status_code == 400 and error_of(response)["code"] == "malformed_batch"


def test_401_for_an_unknown_site_key(client: TestClient, shop: Any) -> None:
    response = send(client, batch(shop | {"site_key": "pk_test-shop_0000"}, make_event()))
    assert response.status_code == 401 and error_of(response)["field"] == "site_key"
    assert "access-control-allow-origin" not in response.headers


def test_403_for_an_origin_the_shop_does_not_allow(client: TestClient, shop: Any) -> None:
    headers = HEADERS | {"Origin": "https://evil.example"}
    response = send(client, batch(shop, make_event()), headers)
    assert response.status_code == 403 and "access-control-allow-origin" not in response.headers


def test_413_for_a_body_over_512_kib(client: TestClient, shop: Any) -> None:
    response = send(client, b" " * (MAX_BODY_BYTES + 1))
    assert response.status_code == 413 and error_of(response)["code"] == "payload_too_large"


def test_413_for_an_event_over_32_kib(client: TestClient, shop: Any) -> None:
    response = send(client, batch(shop, make_event(), make_event(note="x" * 33_000)))
    assert response.status_code == 413 and error_of(response)["field"] == "events[1]"
    assert (
        client.get("/metrics", headers=admin_headers()).text.count(
            'basketlift_events_accepted_total{shop="test-shop"}'
        )
        == 0
    )


def test_415_for_a_form_body(client: TestClient, shop: Any) -> None:
    headers = HEADERS | {"Content-Type": "application/x-www-form-urlencoded"}
    assert send(client, batch(shop, make_event()), headers).status_code == 415


def test_422_for_more_than_500_events(client: TestClient, shop: Any) -> None:
    response = send(client, batch(shop, *[make_event()] * (MAX_BATCH_EVENTS + 1)))
    assert response.status_code == 422 and error_of(response)["field"] == "events"
    assert response.headers["access-control-allow-origin"] == ORIGIN


def test_429_with_retry_after(settings: Settings, shop: Any) -> None:
    limited = replace(settings, rate_limit_client=0.1)
    with TestClient(create_app(limited)) as client:
        codes = [send(client, batch(shop, make_event())).status_code for _ in range(3)]
        response = send(client, batch(shop, make_event()))
    assert codes == [200, 200, 200] or 429 in codes
    assert response.status_code == 429 and int(response.headers["retry-after"]) >= 1
    assert response.headers["access-control-expose-headers"] == "Retry-After"


def test_503_when_the_store_cannot_confirm(settings: Settings, tmp_path: Path) -> None:
    with app_on_its_own_store(settings, tmp_path / "doomed") as (client, created, store):
        store.stop()
        response = send(client, batch(created, make_event()))
        assert response.status_code == 503
        assert client.get("/readyz").status_code == 503


def test_preflight_allows_only_the_shop_origins(client: TestClient, shop: Any) -> None:
    headers = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
    url = f"/v1/events?site_key={shop['site_key']}"
    allowed = client.options(url, headers=headers)
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    evil = client.options(url, headers=headers | {"Origin": "https://evil.example"})
    assert evil.status_code == 403
    assert client.options("/v1/events", headers=headers).status_code == 403


def test_metrics_count_events_per_shop(client: TestClient, shop: Any) -> None:
    send(client, batch(shop, make_event(), make_event(), {"type": "?"}))
    text = client.get("/metrics", headers=admin_headers()).text
    assert 'basketlift_events_accepted_total{shop="test-shop"} 2.0' in text
    assert 'basketlift_events_rejected_total{shop="test-shop"} 1.0' in text
    assert 'route="/v1/events"' in text


def test_a_stalled_store_costs_one_timeout_not_two(settings: Settings, clean_store: str) -> None:
    timeout = 0.5
    stalling = redis.asyncio.Redis.from_url(
        clean_store, socket_timeout=timeout, decode_responses=True, retry=Retry(NoBackoff(), 0)
    )
    with TestClient(create_app(settings, store_client=stalling)) as client:
        created = client.post(
            "/v1/admin/shops", json={"name": "Slow", "origins": [ORIGIN]}, headers=admin_headers()
        ).json()
        pauser = redis.Redis.from_url(clean_store)
        pauser.client_pause(int(timeout * 4 * 1000))
        started = time.monotonic()
        response = send(client, batch(created, make_event()))
        elapsed = time.monotonic() - started
        pauser.client_unpause()
        pauser.close()
        client.portal.call(stalling.aclose)  # type: ignore[union-attr]
    assert response.status_code == 503 and response.headers["retry-after"].isdigit()
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert timeout <= elapsed < 1.8 * timeout
