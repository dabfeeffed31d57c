from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
import redis
from starlette.testclient import TestClient

from tests.conftest import ORIGIN, SHARED_DATA, make_event
from tracker import keys as tracker_keys
from tracker.schema import format_timestamp
from widget.catalog import keys as catalog_keys
from widget.integration.setup_checks import STANDARD_PLACEMENTS
from widget.recommendations import keys

SHOP = "test-shop"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/132.0"


def otto_products(count: int) -> list[str]:
    """Real product ids (OTTO `aid`s) from the sample sessions."""
    ids: dict[str, None] = {}
    with open(SHARED_DATA / "otto-sample" / "train_20_sessions.jsonl", "rb") as sessions:
        for line in sessions:
            ids.update(dict.fromkeys(str(e["aid"]) for e in orjson.loads(line)["events"]))
    return list(ids)[:count]


PRODUCTS = otto_products(6)


@pytest.fixture
def sync(clean_store: str) -> Iterator[Any]:
    with redis.Redis.from_url(clean_store, decode_responses=True) as client:
        yield client


def event(event_type: str = "Product Viewed", late: float = 0, **properties: Any) -> Any:
    made = make_event(event_type, **properties)
    made["timestamp"] = format_timestamp(datetime.now(UTC) - timedelta(seconds=late))
    return made


def send(
    client: TestClient, shop: Any, *events: Any, origin: str = ORIGIN, agent: str = BROWSER
) -> Any:
    body = {"site_key": shop["site_key"], "events": events}
    headers = {"Origin": origin, "Content-Type": "text/plain", "User-Agent": agent}
    return client.post("/v1/events", content=orjson.dumps(body), headers=headers)


def views(*products: str) -> list[Any]:
    return [event(product_id=product) for product in products]


def check(client: TestClient, shop: Any) -> dict[str, Any]:
    response = client.get(
        "/v1/integration/check", headers={"Authorization": f"Bearer {shop['secret_key']}"}
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    answer["by_name"] = {found["name"]: found for found in answer["checks"]}
    return answer


def status(answer: dict[str, Any], name: str) -> str:
    found: str = answer["by_name"][name]["status"]
    return found


def test_the_check_needs_the_secret_key(client: TestClient, shop: Any) -> None:
    assert client.get("/v1/integration/check").status_code == 401


def test_a_shop_with_nothing_sent_is_told_so(client: TestClient, shop: Any) -> None:
    answer = check(client, shop)
    assert answer["ok"] is False and status(answer, "events") == "error"
    assert "No event arrived" in answer["by_name"]["events"]["message"]
    assert "No catalogue uploaded yet" in answer["by_name"]["catalog"]["message"]
    assert status(answer, "placements") == "error"
    assert set(answer["window"]) == {"from", "to"}


def test_events_are_counted_by_type(client: TestClient, shop: Any) -> None:
    send(client, shop, *views(*PRODUCTS[:3]), event("Product Added", product_id=PRODUCTS[0]))
    answer = check(client, shop)
    assert status(answer, "events") == "ok"
    details = answer["by_name"]["events"]["details"]
    assert details["by_type"] == {"Product Viewed": 3, "Product Added": 1}
    assert status(answer, "clock_skew") == "ok" and status(answer, "bots") == "ok"


def test_events_without_product_views_are_a_warning(client: TestClient, shop: Any) -> None:
    send(client, shop, event("Page Viewed"))
    assert status(check(client, shop), "events") == "warning"


def test_events_older_than_an_hour_are_left_out(client: TestClient, shop: Any, sync: Any) -> None:
    send(client, shop, *views(PRODUCTS[0]))
    stream = tracker_keys.event_stream(SHOP)
    ((_, fields),) = sync.xrange(stream)
    sync.delete(stream)
    old = datetime.now(UTC) - timedelta(hours=2)
    sync.xadd(stream, fields, id=f"{int(old.timestamp() * 1000)}-0")
    send(client, shop, *views(PRODUCTS[1]))
    assert check(client, shop)["by_name"]["events"]["details"]["events"] == 1


def test_at_most_twenty_thousand_events_are_read(client: TestClient, shop: Any) -> None:
    for _ in range(41):
        send(client, shop, *(event(product_id=PRODUCTS[0]) for _ in range(500)))
    found = check(client, shop)["by_name"]["events"]
    assert found["details"]["capped"] is True and "only the latest 20000" in found["message"]


def test_a_disallowed_origin_is_reported(client: TestClient, shop: Any) -> None:
    send(client, shop, *views(PRODUCTS[0]))
    assert send(client, shop, event(), origin="https://staging.shop.example").status_code == 403
    found = check(client, shop)["by_name"]["origins"]
    assert found["status"] == "warning" and "https://staging.shop.example" in found["message"]
    assert found["details"]["refused_batches"] == {"https://staging.shop.example": 1}


def test_only_disallowed_origins_is_an_error(client: TestClient, shop: Any) -> None:
    send(client, shop, event(), origin="https://staging.shop.example")
    assert status(check(client, shop), "origins") == "error"


def upload_catalog(sync: Any, *products: str) -> None:
    sync.hset(
        catalog_keys.catalog(SHOP),
        mapping={p: orjson.dumps({"product_id": p, "title": f"Product {p}"}) for p in products},
    )


def test_products_missing_from_the_catalogue_are_listed(
    client: TestClient, shop: Any, sync: Any
) -> None:
    upload_catalog(sync, *PRODUCTS[:2])
    send(client, shop, *views(*PRODUCTS[:3]))
    found = check(client, shop)["by_name"]["catalog"]
    assert found["status"] == "warning" and found["details"]["examples"] == [PRODUCTS[2]]
    assert found["details"]["products_checked"] == 3


def test_no_product_in_the_catalogue_is_an_error(client: TestClient, shop: Any, sync: Any) -> None:
    upload_catalog(sync, PRODUCTS[5])
    send(client, shop, *views(*PRODUCTS[:2]))
    assert status(check(client, shop), "catalog") == "error"


def test_every_product_in_the_catalogue_is_ok(client: TestClient, shop: Any, sync: Any) -> None:
    upload_catalog(sync, *PRODUCTS)
    order: dict[str, Any] = {"order_id": "o-1", "products": [{"product_id": PRODUCTS[4]}]}
    send(client, shop, *views(*PRODUCTS[:2]), event("Order Completed", **order))
    found = check(client, shop)["by_name"]["catalog"]
    assert found["status"] == "ok" and found["details"]["products_checked"] == 3


def test_dead_letters_name_the_most_common_cause(client: TestClient, shop: Any) -> None:
    bad = [event(product_id=PRODUCTS[0], price="cheap") for _ in range(2)]
    send(client, shop, *views(*PRODUCTS[:3]), *bad, event(quantity=0))
    found = check(client, shop)["by_name"]["dead_letters"]
    assert found["status"] == "warning" and found["details"]["rejected"] == 3
    assert "properties.price must be a number (2 times)" in found["message"]


def test_mostly_invalid_events_are_an_error(client: TestClient, shop: Any) -> None:
    send(client, shop, event(price="cheap"))
    assert status(check(client, shop), "dead_letters") == "error"


def make_order(order_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "anonymous_id": "visitor-1",
        "placed_at": format_timestamp(datetime.now(UTC)),
        "currency": "EUR",
        "lines": [{"product_id": PRODUCTS[0], "quantity": 1, "unit_price": "9.90"}],
        "total": "9.90",
    } | changes


def post_order(client: TestClient, shop: Any, order: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {shop['secret_key']}"}
    assert client.post("/v1/orders", json=order, headers=headers).status_code == 201


def test_orders_without_anonymous_id_are_reported(client: TestClient, shop: Any) -> None:
    post_order(client, shop, make_order("o-1"))
    post_order(client, shop, make_order("o-2", anonymous_id=None))
    found = check(client, shop)["by_name"]["orders"]
    assert found["status"] == "warning" and found["details"]["examples"] == ["o-2"]
    assert "1 of 2 orders" in found["message"]


def test_browser_orders_without_backend_orders_are_reported(client: TestClient, shop: Any) -> None:
    order: dict[str, Any] = {"order_id": "o-1", "products": [{"product_id": PRODUCTS[0]}]}
    send(client, shop, event("Order Completed", **order))
    found = check(client, shop)["by_name"]["orders"]
    assert found["status"] == "warning" and "POST /v1/orders" in found["message"]


def test_orders_with_anonymous_id_are_ok(client: TestClient, shop: Any) -> None:
    post_order(client, shop, make_order("o-1"))
    assert status(check(client, shop), "orders") == "ok"


def request_placements(sync: Any, *placements: str) -> None:
    hour = datetime.now(UTC).strftime("%Y%m%d%H")
    for placement in placements:
        sync.hincrby(keys.placement_requests(SHOP, hour), placement, 3)


def test_placements_never_requested_are_listed(client: TestClient, shop: Any, sync: Any) -> None:
    request_placements(sync, "product", "basket")
    found = check(client, shop)["by_name"]["placements"]
    assert found["status"] == "warning" and found["details"]["never_requested"] == [
        "home",
        "longtail",
    ]


def test_every_placement_requested_is_ok(client: TestClient, shop: Any, sync: Any) -> None:
    request_placements(sync, *STANDARD_PLACEMENTS)
    assert status(check(client, shop), "placements") == "ok"


def test_a_clock_off_by_minutes_is_flagged(client: TestClient, shop: Any) -> None:
    send(client, shop, *(event(product_id=PRODUCTS[0], late=600) for _ in range(3)))
    found = check(client, shop)["by_name"]["clock_skew"]
    assert found["status"] == "warning" and "10 min" in found["message"]
    assert 599 < found["details"]["median_s"] < 620


def test_a_few_late_events_are_flagged_by_the_95th_percentile(
    client: TestClient, shop: Any
) -> None:
    late = [event(product_id=PRODUCTS[0], late=-300) for _ in range(2)]
    send(client, shop, *views(*[PRODUCTS[0]] * 18), *late)
    found = check(client, shop)["by_name"]["clock_skew"]
    assert found["status"] == "warning" and "1 in 20" in found["message"]
    assert abs(found["details"]["median_s"]) < 5


def test_mostly_bot_traffic_is_flagged(client: TestClient, shop: Any) -> None:
    send(client, shop, *views(PRODUCTS[0]), agent="Googlebot/2.1 (+http://www.google.com/bot)")
    found = check(client, shop)["by_name"]["bots"]
    assert found["status"] == "warning" and found["details"]["share"] == 1.0


def test_a_healthy_integration_is_ok(client: TestClient, shop: Any, sync: Any) -> None:
    upload_catalog(sync, *PRODUCTS)
    request_placements(sync, *STANDARD_PLACEMENTS)
    send(client, shop, *views(*PRODUCTS))
    post_order(client, shop, make_order("o-1"))
    answer = check(client, shop)
    assert answer["ok"] is True
    assert {found["status"] for found in answer["checks"]} == {"ok"}
