from __future__ import annotations

import time
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import (
    CHROMIUM_FETCH_HEADERS,
    ORIGIN,
    admin_headers,
    make_event,
    set_holdout_share,
)
from tests.widget.catalog.samples import as_ndjson, online_retail

PRODUCTS = online_retail(40)


@pytest.fixture
def shop(client: TestClient) -> dict[str, Any]:
    return gift_shop(client)


def gift_shop(client: TestClient) -> dict[str, Any]:
    """A shop "gifts" with a catalogue of real products and a holdout of 1%."""
    created: dict[str, Any] = client.post(
        "/v1/admin/shops",
        json={"name": "Gifts", "id": "gifts", "origins": [ORIGIN]},
        headers=admin_headers(),
    ).json()
    upload = client.put(
        "/v1/catalog",
        content=as_ndjson(PRODUCTS),
        headers={
            "Authorization": f"Bearer {created['secret_key']}",
            "Content-Type": "application/x-ndjson",
        },
    )
    assert upload.json()["upserted"] == len(PRODUCTS), upload.text
    set_holdout_share(client, "gifts", 0.01)
    return created


def configure(client: TestClient, config: dict[str, Any]) -> None:
    response = client.put("/v1/admin/shops/gifts/config", json=config, headers=admin_headers())
    assert response.status_code == 200, response.text
    # The servers' cache holds a shop's configuration for a few seconds.
    client.app.state.serving.shop_configs._values.clear()  # type: ignore[attr-defined]


def recommend(client: TestClient, shop: dict[str, Any], **params: Any) -> Any:
    query = {"site_key": shop["site_key"], "anonymous_id": "v-1", "session_id": "s-1"}
    query |= {"placement": "product"} | params
    return client.get("/v1/recommendations", params=query, headers=CHROMIUM_FETCH_HEADERS)


def items(response: Any, slot: int = 0) -> list[str]:
    return [item["product_id"] for item in response.json()["recommendations"][slot]["items"]]


def test_treatment_visitor_gets_full_placements_with_display_fields(
    client: TestClient, shop: dict[str, Any]
) -> None:
    response = recommend(client, shop, placement=["product", "home"], limit=5)
    body = response.json()
    assert body["arm"] == "treatment"
    assert [slot["placement"] for slot in body["recommendations"]] == ["product", "home"]
    first = body["recommendations"][0]
    assert len(first["items"]) == 5 and first["rec_id"] != body["recommendations"][1]["rec_id"]
    assert set(first["items"][0]) >= {"product_id", "title", "url", "price", "currency", "reason"}
    assert response.headers["access-control-allow-origin"] == ORIGIN


def test_holdout_visitor_gets_no_items_on_every_request(
    client: TestClient, shop: dict[str, Any]
) -> None:
    set_holdout_share(client, "gifts", 0.99)
    for _ in range(3):
        body = recommend(client, shop, anonymous_id="held").json()
        assert body["arm"] == "holdout" and body["recommendations"][0]["items"] == []
        assert body["recommendations"][0]["rec_id"]


def test_the_first_exposure_fixes_the_arm(client: TestClient, shop: dict[str, Any]) -> None:
    assert recommend(client, shop, anonymous_id="early").json()["arm"] == "treatment"
    set_holdout_share(client, "gifts", 0.99)
    assert recommend(client, shop, anonymous_id="early").json()["arm"] == "treatment"


def test_current_product_and_cart_are_never_recommended(
    client: TestClient, shop: dict[str, Any]
) -> None:
    current, *cart = [p["product_id"] for p in PRODUCTS[:4]]
    shown = items(recommend(client, shop, product_id=current, cart=",".join(cart), limit=50))
    assert current not in shown and not set(cart) & set(shown)
    assert len(shown) == len(PRODUCTS) - 4


def test_recently_bought_items_are_not_recommended(
    client: TestClient, shop: dict[str, Any]
) -> None:
    bought = PRODUCTS[0]["product_id"]
    order = make_event("Order Completed", order_id="o1", products=[{"product_id": bought}])
    order["anonymous_id"] = "v-1"
    sent = client.post("/v1/events", json={"site_key": shop["site_key"], "events": [order]})
    assert sent.json()["accepted"] == 1
    wait_for_live_state(client, lambda: bought not in items(recommend(client, shop, limit=50)))


def test_before_any_data_each_placement_walks_the_catalogue_from_its_own_place(
    client: TestClient, shop: dict[str, Any]
) -> None:
    # No model, no trending: the catalogue fills every placement but an empty cart's.
    page = ["product", "basket", "home", "longtail"]
    answer = recommend(client, shop, placement=page, limit=4)
    product, basket, home, longtail = (items(answer, slot) for slot in range(4))
    catalogue = sorted(p["product_id"] for p in PRODUCTS) * 2  # the index's order, wrapped
    runs = [catalogue[catalogue.index(s[0]) :][:4] for s in (product, home)]
    assert [product, home] == runs and product != home and basket == []
    assert len(longtail) == 4 and not set(longtail) & {*product, *home}


def test_rules_of_a_placement(client: TestClient, shop: dict[str, Any]) -> None:
    first, second = PRODUCTS[0]["product_id"], PRODUCTS[1]["product_id"]
    rules = {"boost": [second], "bury": [first], "max_per_category": 1}
    configure(client, {"placements": {"product": {"rules": rules}}})
    shown = items(recommend(client, shop, limit=50))
    assert shown[0] == second and first not in shown[:-1]
    categories = {p["product_id"]: p["category"] for p in PRODUCTS}
    assert len({categories[p] for p in shown}) == len(shown)


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"site_key": "pk_gifts_0"}, 401, "site_key"),
        ({"placement": "sidebar"}, 404, "placement"),
        ({"anonymous_id": ""}, 422, "anonymous_id"),
        ({"limit": "0"}, 422, "limit"),
        ({"limit": "\u00b2"}, 422, "limit"),
        ({"limit": "\u0663"}, 422, "limit"),
        ({"cart": ",".join(["x"] * 101)}, 422, "cart"),
    ],
)
def test_errors_name_the_parameter(
    client: TestClient, shop: dict[str, Any], params: dict[str, Any], status: int, field: str
) -> None:
    response = recommend(client, shop, **params)
    assert response.status_code == status
    assert response.json()["error"]["field"] == field


def test_other_origins_are_refused(client: TestClient, shop: dict[str, Any]) -> None:
    query = {"site_key": shop["site_key"], "anonymous_id": "a", "session_id": "s"}
    response = client.get(
        "/v1/recommendations",
        params=query | {"placement": "home"},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403


def wait_for_live_state(client: TestClient, condition: Any, attempts: int = 50) -> None:
    """The live state follows the event stream within a second or so."""
    for _ in range(attempts):
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("the live state did not follow the events")
