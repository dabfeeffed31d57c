"""The fast lane answers `GET /v1/recommendations` as the app's middleware stack does."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Message

from tests.conftest import ORIGIN, admin_headers, app_on_its_own_store
from tests.widget.recommendations.test_api import gift_shop, recommend
from widget.platform.fast_lane import FastLane, FastLaneApp
from widget.platform.metrics import Metrics
from widget.platform.settings import Settings


@pytest.fixture
def shop(client: TestClient) -> dict[str, Any]:
    """A shop with a catalogue, so that answers hold items."""
    return gift_shop(client)


def answer(client: TestClient, app: ASGIApp, query: dict[str, Any]) -> tuple[int, Any, str]:
    """Status, headers and body (rec_ids masked) of one GET, run by `app` on the loop of
    the client's running app."""
    messages: list[Message] = []

    async def run() -> None:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/v1/recommendations",
            "raw_path": b"/v1/recommendations",
            "root_path": "",
            "query_string": urlencode(query, doseq=True).encode(),
            "headers": [(b"host", b"testserver"), (b"origin", ORIGIN.encode())],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            messages.append(message)

        await app(scope, receive, send)

    assert client.portal is not None
    client.portal.call(run)
    start, body = messages
    masked = re.sub(r'"rec_id":"r_[0-9a-f]+"', '"rec_id":"r_"', body["body"].decode())
    return start["status"], sorted(start["headers"]), masked


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"placement": ["product", "home"], "limit": "3"},
        {"site_key": "pk_nobody_0"},
        {"placement": "sidebar"},
        {"limit": "0"},
        {"anonymous_id": ""},
    ],
)
def test_the_fast_lane_answers_as_the_stack(
    client: TestClient, shop: dict[str, Any], change: dict[str, Any]
) -> None:
    query = {"site_key": shop["site_key"], "anonymous_id": "v-1", "session_id": "s-1"}
    query |= {"placement": "product"} | change
    app = client.app
    assert isinstance(app, FastLaneApp)

    async def stack(scope: Any, receive: Any, send: Any) -> None:
        await Starlette.__call__(app, scope, receive, send)

    fast = answer(client, app, query)
    assert fast == answer(client, stack, query)
    assert fast[0] != 200 or '"product_id"' in fast[2]


def test_requests_in_the_fast_lane_are_timed_under_their_route(
    client: TestClient, shop: dict[str, Any]
) -> None:
    assert recommend(client, shop).status_code == 200
    assert recommend(client, shop, limit="0").status_code == 422
    exposition = client.get("/metrics", headers=admin_headers()).text
    for status in ("200", "422"):
        series = (
            'basketlift_http_request_duration_seconds_count{method="GET",'
            f'route="/v1/recommendations",status="{status}"}} 1.0'
        )
        assert series in exposition


def test_other_methods_go_through_the_stack(client: TestClient, shop: dict[str, Any]) -> None:
    query = {"site_key": shop["site_key"], "anonymous_id": "v", "session_id": "s"}
    url = f"/v1/recommendations?{urlencode(query | {'placement': 'product'})}"
    assert client.head(url, headers={"Origin": ORIGIN}).status_code == 200
    assert client.post(url, headers={"Origin": ORIGIN}).status_code == 405


def test_503_from_the_fast_lane_when_the_store_is_gone(settings: Settings, tmp_path: Path) -> None:
    with app_on_its_own_store(settings, tmp_path / "doomed") as (client, created, store):
        store.stop()
        response = recommend(client, created)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "store_unavailable"


async def _endpoint(scope: Any, receive: Any, send: Any) -> None:
    raise AssertionError("never called")


def test_the_fast_lane_takes_only_a_get_route_of_the_app() -> None:
    with pytest.raises(ValueError, match="GET routes"):
        FastLane(Route("/x", _endpoint, methods=["POST"]), {}, Metrics())
    with pytest.raises(ValueError, match="one of the app's routes"):
        FastLaneApp(fast_route=Route("/x", _endpoint, methods=["GET"]), metrics=Metrics())
