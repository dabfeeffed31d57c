"""Who counts for billing: what `GET /v1/recommendations` records, over HTTP on a real store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import redis
from starlette.testclient import TestClient

from billing import keys as billing_keys
from tests.billing.forged import PEER, with_peers
from tests.conftest import CHROMIUM_FETCH_HEADERS, ORIGIN, admin_headers, make_event
from tracker import keys as tracker_keys
from tracker.reader import stream_entries
from tracker.schema import EXPOSURE_RECORDED
from widget.app import create_app
from widget.platform.settings import Settings

SHOP = "counted"


@pytest.fixture
def app(settings: Settings) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    """A shop under a limit of two new visitors a network and hour."""
    limited = replace(settings, new_visitors_per_network_hour=2)
    with TestClient(with_peers(create_app(limited))) as client:
        body = {"name": "Counted", "id": SHOP, "origins": [ORIGIN]}
        yield client, client.post("/v1/admin/shops", json=body, headers=admin_headers()).json()


@pytest.fixture
def sync_store(clean_store: str) -> Iterator[Any]:
    client = redis.Redis.from_url(clean_store, decode_responses=True)
    yield client
    client.close()


def visit(
    app: Any, visitor: str, peer: str, headers: dict[str, str] = CHROMIUM_FETCH_HEADERS
) -> None:
    client, shop = app
    query = {"site_key": shop["site_key"], "anonymous_id": visitor, "session_id": "s"}
    response = client.get(
        "/v1/recommendations", params=query | {"placement": "home"}, headers=headers | {PEER: peer}
    )
    assert response.status_code == 200, response.text
    assert response.json()["arm"] in ("treatment", "holdout")


def counted(store: Any) -> set[str]:
    return set(store.hkeys(billing_keys.exposures(SHOP)))


def exposure_events(store: Any) -> list[str]:
    raw = store.xrange(tracker_keys.event_stream(SHOP))
    events = [e for entry in stream_entries(raw) for e in entry.events]
    return [e.anonymous_id for e in events if e.type == EXPOSURE_RECORDED]


def test_new_visitors_are_limited_per_ipv4_slash_24(app: Any, sync_store: Any) -> None:
    for index, peer in enumerate(("198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.101.1")):
        visit(app, f"v{index}", peer)
    assert counted(sync_store) == {"v0", "v1", "v3"}
    assert exposure_events(sync_store) == ["v0", "v1", "v3"]


def test_new_visitors_are_limited_per_ipv6_slash_64(app: Any, sync_store: Any) -> None:
    peers = ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", "2001:db8:1:2::7", "2001:db8:1:3::1")
    for index, peer in enumerate(peers):
        visit(app, f"v{index}", peer)
    assert counted(sync_store) == {"v0", "v1", "v3"}


def test_a_visitor_counts_once_a_day_and_returning_visitors_are_not_limited(
    app: Any, sync_store: Any
) -> None:
    for _ in range(3):
        visit(app, "v0", "198.51.100.1")
    visit(app, "v1", "198.51.100.2")
    visit(app, "v0", "198.51.100.3")
    assert exposure_events(sync_store) == ["v0", "v1"]


@pytest.mark.parametrize(
    "headers",
    [
        {"User-Agent": CHROMIUM_FETCH_HEADERS["User-Agent"]},
        {k: v for k, v in CHROMIUM_FETCH_HEADERS.items() if not k.startswith("Sec-Fetch")},
        CHROMIUM_FETCH_HEADERS
        | {"User-Agent": CHROMIUM_FETCH_HEADERS["User-Agent"].replace("Chrome", "HeadlessChrome")},
    ],
    ids=["agent-only", "no-sec-fetch", "headless"],
)
def test_requests_no_browser_makes_are_served_but_not_counted(
    app: Any, sync_store: Any, headers: dict[str, str]
) -> None:
    visit(app, "v0", "198.51.100.1", headers)
    assert counted(sync_store) == set() and exposure_events(sync_store) == []


def test_an_exposure_unseen_for_its_lifetime_expires(app: Any, sync_store: Any) -> None:
    visit(app, "old", "198.51.100.1")
    ninety_one_days_ms = 91 * 86_400_000
    seen = billing_keys.exposures_last_seen(SHOP)
    sync_store.zadd(seen, {"old": int(sync_store.zscore(seen, "old")) - ninety_one_days_ms})
    visit(app, "new", "198.51.101.1")
    assert counted(sync_store) == {"new"}
    assert sync_store.zrange(seen, 0, -1) == ["new"]


def test_clients_cannot_send_exposures(app: Any) -> None:
    client, shop = app
    forged = make_event("Page Viewed") | {"type": EXPOSURE_RECORDED}
    body = {"site_key": shop["site_key"], "sent_at": "2026-11-23T10:00:00Z", "events": [forged]}
    response = client.post("/v1/events", content=json.dumps(body), headers={"Origin": ORIGIN})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "server_only_event"
    assert response.json()["error"]["field"] == "events[0].type"
