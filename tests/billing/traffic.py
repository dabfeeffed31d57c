"""Real traffic of one shop through the HTTP API, for the billing consumer's tests.

Visitors exposed until each arm has three with events (picked by the arm the API gives
them at a 50% holdout; the others exposed on the way count too, with no events), a visitor
whose views came before their exposure, a bot, a visitor never exposed, client-side orders
and orders of record with a refund. What the ledger must hold is `EXPECTED`, from
`ENTRIES` stream and order log entries (the server's exposure events among them).
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from typing import Any

from starlette.testclient import TestClient

from billing.periods import Period
from tests.conftest import (
    CHROMIUM_FETCH_HEADERS,
    ORIGIN,
    SHARED_DATA,
    make_event,
    set_holdout_share,
)

# (arm, visitors, converting, orders, net revenue, its squares, page views, clicks)
# Treatment: the three roles, two visitors exposed on the way and "late" (with 2 views).
EXPECTED = {
    "treatment": (6, 2, 3, 20000, 4999**2 + 15001**2, 8, 2),
    "holdout": (3, 1, 1, 4550, 4550**2, 4, 0),
}
ENTRIES = 25
ROLES = ("t1", "t2", "t3", "h1", "h2", "h3")


def otto_products(count: int) -> list[str]:
    """Real product ids from the OTTO sample sessions."""
    lines = (SHARED_DATA / "otto-sample" / "train_20_sessions.jsonl").read_text().splitlines()
    aids = (str(event["aid"]) for line in lines for event in json.loads(line)["events"])
    return list(itertools.islice(dict.fromkeys(aids), count))


def today() -> Period:
    return Period.of(datetime.now(UTC).date())


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def expose(client: TestClient, shop: dict[str, Any], visitor: str) -> str:
    query = {"site_key": shop["site_key"], "anonymous_id": visitor, "session_id": visitor}
    response = client.get(
        "/v1/recommendations", params=query | {"placement": "home"}, headers=CHROMIUM_FETCH_HEADERS
    )
    assert response.status_code == 200, response.text
    arm: str = response.json()["arm"]
    return arm


def send(
    client: TestClient, shop: dict[str, Any], visitor: str, *events: Any, bot: bool = False
) -> None:
    headers = {"Origin": ORIGIN, "Content-Type": "text/plain"}
    if bot:
        headers["User-Agent"] = "Googlebot/2.1"
    body = {"site_key": shop["site_key"], "sent_at": now_text(), "events": list(events)}
    for event in body["events"]:
        event.update(anonymous_id=visitor, session_id=visitor)
    response = client.post("/v1/events", content=json.dumps(body), headers=headers)
    assert response.json()["accepted"] == len(events), response.text


def views(count: int, kind: str = "Product Viewed") -> list[dict[str, Any]]:
    if kind == "Page Viewed":
        return [make_event(kind) for _ in range(count)]
    return [make_event(kind, product_id=product) for product in otto_products(count)]


def click() -> dict[str, Any]:
    product = otto_products(1)[0]
    return make_event("Recommendation Clicked", rec_id="r1", placement="home", product_id=product)


def client_order(order_id: str) -> dict[str, Any]:
    return make_event("Order Completed", order_id=order_id, products=[{"product_id": "1"}])


def order(
    client: TestClient, shop: dict[str, Any], order_id: str, visitor: str | None, total: str
) -> None:
    line = {"product_id": otto_products(1)[0], "quantity": 1, "unit_price": total}
    body: dict[str, Any] = {"order_id": order_id, "placed_at": now_text(), "currency": "EUR"}
    body |= {"lines": [line], "total": total} | ({"anonymous_id": visitor} if visitor else {})
    response = client.post("/v1/orders", json=body, headers=_secret(shop))
    assert response.status_code in (200, 201), response.text


def refund(client: TestClient, shop: dict[str, Any], order_id: str, amount: str) -> None:
    body = {"refund_id": "R-1", "amount": amount, "refunded_at": now_text()}
    path = f"/v1/orders/{order_id}/refunds"
    response = client.post(path, json=body, headers=_secret(shop))
    assert response.status_code in (200, 201), response.text


def _secret(shop: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {shop['secret_key']}"}


def assign_roles(client: TestClient, shop: dict[str, Any]) -> dict[str, str]:
    """Visitors exposed at a 50% holdout until each arm has three: role -> visitor (the same
    ones on every run, as the tests' holdout secret is fixed)."""
    set_holdout_share(client, shop["id"], 0.5)
    by_arm: dict[str, list[str]] = {"treatment": [], "holdout": []}
    for index in itertools.count():
        if min(len(found) for found in by_arm.values()) >= 3:
            break
        visitor = f"v-{index}"
        by_arm[expose(client, shop, visitor)].append(visitor)
    return dict(zip(ROLES, by_arm["treatment"][:3] + by_arm["holdout"][:3], strict=True))


def shop_traffic(client: TestClient, shop: dict[str, Any]) -> dict[str, str]:
    """All of the shop's traffic; the roles' visitors."""
    send(client, shop, "late", *views(2))  # counted from the exposure, with these views
    expose(client, shop, "late")
    roles = assign_roles(client, shop)
    send(client, shop, roles["t1"], *views(3), click(), client_order("o-t1"))
    send(client, shop, roles["t2"], *views(2, "Page Viewed"), click())
    send(client, shop, roles["t3"], *views(1), *views(1, "Product List Viewed"))
    send(client, shop, roles["h1"], *views(2), client_order("o-h1"), client_order("o-h1"))
    send(client, shop, roles["h2"], *views(1, "Page Viewed"))
    send(client, shop, roles["h3"], *views(1))
    send(client, shop, roles["h3"], *views(5), click(), bot=True)
    send(client, shop, "stranger", *views(2))  # never exposed
    order(client, shop, "o-t1", roles["t1"], "59.99")
    refund(client, shop, "o-t1", "10.00")
    order(client, shop, "o-t2", roles["t2"], "120.005")  # half-up: 12001 cents
    order(client, shop, "o-t2b", roles["t2"], "30")
    order(client, shop, "o-h1", roles["h1"], "45.50")
    order(client, shop, "o-stranger", "stranger", "99.00")
    order(client, shop, "o-nobody", None, "15.00")
    return roles
