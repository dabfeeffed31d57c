from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import redis
from starlette.applications import Starlette
from starlette.testclient import TestClient

from tests.cluster import valkey_cluster
from tests.servers import plain_server
from widget.app import api_document, create_app
from widget.orders import api as orders_api
from widget.orders import keys as orders_keys
from widget.orders.rows import parse_order
from widget.orders.store import DurabilityUnsupported, OrderStore
from widget.platform.settings import Settings
from widget.platform.store import connect

SHOP = "test-shop"
NOW = "2026-11-23T09:00:00Z"
CLOCK = datetime(2026, 11, 23, 10, tzinfo=UTC)


def orders_app(settings: Settings, durability_timeout_ms: int = 2_000) -> Starlette:
    app = create_app(settings)
    # Routes with this durability timeout go first, so they answer before the app's own.
    app.router.routes[0:0] = orders_api.order_routes(durability_timeout_ms)
    return app


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(orders_app(settings)) as test_client:
        yield test_client


def auth(shop: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {shop['secret_key']}"}


def make_order(**changes: Any) -> dict[str, Any]:
    order = {
        "order_id": "A-1001",
        "anonymous_id": "visitor-1",
        "placed_at": "2026-11-23T10:00:00+01:00",
        "currency": "EUR",
        "lines": [
            {"product_id": "1517085", "quantity": 2, "unit_price": "19.90"},
            {"product_id": 1563459, "quantity": 1, "unit_price": 5},
        ],
        "total": "44.80",
    }
    return order | changes


def post(client: TestClient, shop: dict[str, Any], body: Any, path: str = "/v1/orders") -> Any:
    return client.post(path, json=body, headers=auth(shop))


def refund(client: TestClient, shop: dict[str, Any], body: Any, order: str = "A-1001") -> Any:
    return post(client, shop, body, f"/v1/orders/{order}/refunds")


def make_refund(**changes: Any) -> dict[str, Any]:
    return {"refund_id": "R-1", "amount": "10.00", "refunded_at": NOW} | changes


def with_line(index: int, **changes: Any) -> dict[str, Any]:
    lines = [dict(line) for line in make_order()["lines"]]
    lines[index].update(changes)
    return make_order(lines=lines)


def test_an_order_is_recorded_with_canonical_amounts(client: TestClient, shop: Any) -> None:
    response = post(client, shop, make_order())
    assert response.status_code == 201 and response.json()["created"] is True
    order = response.json()["order"]
    assert order["placed_at"] == "2026-11-23T09:00:00.000Z" and order["total"] == "44.80"
    assert [line["unit_price"] for line in order["lines"]] == ["19.90", "5.00"]
    assert order["lines"][1]["product_id"] == "1563459"


def test_the_same_body_again_gives_the_same_answer(client: TestClient, shop: Any) -> None:
    first = post(client, shop, make_order()).json()
    again = post(client, shop, make_order())
    assert again.status_code == 200 and again.json() == first | {"created": False}


def test_numbers_and_decimal_strings_are_the_same_body(client: TestClient, shop: Any) -> None:
    post(client, shop, make_order())
    assert post(client, shop, make_order(total=44.8)).status_code == 200


def test_another_body_for_a_known_id_is_a_conflict_naming_the_field(
    client: TestClient, shop: Any
) -> None:
    post(client, shop, make_order())
    response = post(client, shop, with_line(1, quantity=3))
    assert response.status_code == 409 and response.json()["error"]["field"] == "lines[1].quantity"


def test_an_order_without_anonymous_id_is_recorded(client: TestClient, shop: Any) -> None:
    body = make_order()
    del body["anonymous_id"]
    response = post(client, shop, body)
    assert response.status_code == 201 and response.json()["order"]["anonymous_id"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({k: v for k, v in make_order().items() if k != "order_id"}, "order_id"),
        (make_order(order_id=""), "order_id"),
        (make_order(order_id="x" * 129), "order_id"),
        (make_order(order_id=True), "order_id"),
        (make_order(anonymous_id=""), "anonymous_id"),
        (make_order(placed_at="2026-11-23 10:00:00"), "placed_at"),
        (make_order(placed_at="yesterday"), "placed_at"),
        (make_order(placed_at=1795424400), "placed_at"),
        (make_order(placed_at="2099-01-01T00:00:00Z"), "placed_at"),
        (make_order(currency="eur"), "currency"),
        (make_order(currency=None), "currency"),
        (make_order(lines=[]), "lines"),
        (make_order(lines={"product_id": "1"}), "lines"),
        (make_order(lines=["1517085"]), "lines[0]"),
        (with_line(1, quantity=0), "lines[1].quantity"),
        (with_line(1, quantity=1.5), "lines[1].quantity"),
        (with_line(1, quantity=True), "lines[1].quantity"),
        (with_line(1, quantity=2**64), "lines[1].quantity"),
        (with_line(0, product_id=None), "lines[0].product_id"),
        (with_line(0, unit_price="-1.00"), "lines[0].unit_price"),
        (with_line(0, unit_price=-1), "lines[0].unit_price"),
        (with_line(0, unit_price="1e3"), "lines[0].unit_price"),
        (with_line(0, unit_price="19,90"), "lines[0].unit_price"),
        (with_line(0, unit_price="0.0000001"), "lines[0].unit_price"),
        (with_line(0, unit_price=1e-7), "lines[0].unit_price"),
        (with_line(0, unit_price=1e9), "lines[0].unit_price"),
        (with_line(0, unit_price=None), "lines[0].unit_price"),
        (with_line(0, colour="red"), "lines[0].colour"),
        (with_line(0, unit_price="-0"), "lines[0].unit_price"),
        (with_line(0, unit_price="\u0661\u0669.90"), "lines[0].unit_price"),
        (make_order(order_id=2**53), "order_id"),
        (make_order(total="NaN"), "total"),
        (make_order(total=[1]), "total"),
        ({k: v for k, v in make_order().items() if k != "total"}, "total"),
        (make_order(totals="44.80"), "totals"),
    ],
)
def test_invalid_orders_name_the_field(
    client: TestClient, shop: Any, body: dict[str, Any], field: str
) -> None:
    response = post(client, shop, body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field and error["message"].startswith(field)


def test_amounts_and_ids_as_numbers_are_accepted_as_documented(
    client: TestClient, shop: Any
) -> None:
    """JSON numbers within the document's bounds: a price with cents, a whole number sent as
    2.0, an id as a number."""
    lines = [{"product_id": 1517085.0, "quantity": 2.0, "unit_price": 19.99}]
    body = make_order(order_id=1001, lines=lines, total=39.98)
    response = post(client, shop, body)
    assert response.status_code == 201, response.text
    order = response.json()["order"]
    assert (order["order_id"], order["total"]) == ("1001", "39.98")
    assert order["lines"] == [{"product_id": "1517085", "quantity": 2, "unit_price": "19.99"}]
    content = api_document()["paths"]["/v1/orders"]["post"]["requestBody"]["content"]
    assert jsonschema_rs.validator_for(content["application/json"]["schema"]).is_valid(body)


def test_a_body_that_is_not_an_object_is_refused(client: TestClient, shop: Any) -> None:
    assert post(client, shop, [make_order()]).status_code == 400
    response = client.post("/v1/orders", content=b"{", headers=auth(shop))
    assert response.status_code == 400


def test_orders_need_the_secret_key(client: TestClient, shop: Any) -> None:
    assert client.post("/v1/orders", json=make_order()).status_code == 401
    wrong = {"Authorization": f"Bearer {shop['site_key']}"}
    assert client.post("/v1/orders", json=make_order(), headers=wrong).status_code == 401
    assert client.get("/v1/orders/A-1001").status_code == 401


def test_refunds_are_recorded_idempotently(client: TestClient, shop: Any) -> None:
    post(client, shop, make_order())
    first = refund(client, shop, make_refund(reason="damaged"))
    assert first.status_code == 201 and first.json()["refund"]["amount"] == "10.00"
    again = refund(client, shop, make_refund(reason="damaged"))
    assert again.status_code == 200 and again.json()["created"] is False
    other = refund(client, shop, make_refund(amount="12.00"))
    assert other.status_code == 409 and other.json()["error"]["field"] == "amount"


def test_refunds_never_exceed_the_order_total(client: TestClient, shop: Any) -> None:
    post(client, shop, make_order())
    assert refund(client, shop, make_refund(amount="40.00")).status_code == 201
    over = refund(client, shop, make_refund(refund_id="R-2", amount="4.81"))
    assert over.status_code == 422 and over.json()["error"]["field"] == "amount"
    assert "at most 4.80 can still be refunded" in over.json()["error"]["message"]
    assert refund(client, shop, make_refund(refund_id="R-3", amount=4.8)).status_code == 201


def test_a_refund_of_an_unknown_order_is_404(client: TestClient, shop: Any) -> None:
    assert refund(client, shop, make_refund(), order="nope").status_code == 404
    assert refund(client, shop, make_refund(), order="x" * 200).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (make_refund(refund_id=""), "refund_id"),
        (make_refund(amount="0.00"), "amount"),
        (make_refund(amount="-5"), "amount"),
        (make_refund(refunded_at="2026-11-23"), "refunded_at"),
        (make_refund(reason=7), "reason"),
        (make_refund(note="x"), "note"),
    ],
)
def test_invalid_refunds_name_the_field(
    client: TestClient, shop: Any, body: dict[str, Any], field: str
) -> None:
    post(client, shop, make_order())
    response = refund(client, shop, body)
    assert response.status_code == 422 and response.json()["error"]["field"] == field


def test_an_order_is_read_with_its_refunds_and_net(client: TestClient, shop: Any) -> None:
    post(client, shop, make_order())
    refund(client, shop, make_refund(refund_id="R-2", refunded_at="2026-11-23T09:30:00Z"))
    refund(client, shop, make_refund(amount="0.30"))
    found = client.get("/v1/orders/A-1001", headers=auth(shop)).json()
    assert [r["refund_id"] for r in found["refunds"]] == ["R-1", "R-2"]
    assert (found["refunded"], found["net"]) == ("10.30", "34.50")
    assert found["order"]["order_id"] == "A-1001"
    assert client.get("/v1/orders/unknown", headers=auth(shop)).status_code == 404


def test_the_order_log_holds_orders_and_refunds(
    client: TestClient, shop: Any, clean_store: str
) -> None:
    post(client, shop, make_order())
    post(client, shop, make_order())
    refund(client, shop, make_refund())
    with redis.Redis.from_url(clean_store) as sync:
        log = sync.xrange(orders_keys.order_log(SHOP))
    assert [fields[b"kind"] for _, fields in log] == [b"order", b"refund"]
    assert b'"total":"44.80"' in log[0][1][b"body"] and b'"R-1"' in log[1][1][b"body"]


def test_products_bought_are_kept_per_visitor_for_400_days(
    client: TestClient, shop: Any, clean_store: str
) -> None:
    post(client, shop, make_order())
    with redis.Redis.from_url(clean_store) as sync:
        bought = orders_keys.bought(SHOP, "visitor-1")
        placed_ms = 1795424400000
        assert sync.zrange(bought, 0, -1, withscores=True) == [
            (b"1517085", placed_ms),
            (b"1563459", placed_ms),
        ]
        assert 399 * 86_400 < sync.ttl(bought) <= 400 * 86_400


def test_an_acknowledged_order_is_in_the_append_only_file(
    client: TestClient, shop: Any, clean_store: str
) -> None:
    post(client, shop, make_order(order_id="on-disk-4711"))
    with redis.Redis.from_url(clean_store) as sync:
        folder = (
            Path(sync.config_get("dir")["dir"]) / sync.config_get("appenddirname")["appenddirname"]
        )
    if not folder.is_dir():
        pytest.skip("the store's files are not on this machine")
    assert any(b"on-disk-4711" in path.read_bytes() for path in folder.glob("*.incr.aof"))


def test_an_order_not_confirmed_on_disk_is_503_then_confirmed_on_retry(
    settings: Settings, client: TestClient, shop: Any, clean_store: str
) -> None:
    with redis.Redis.from_url(clean_store) as sync:
        # With fsync left to the kernel, the store never confirms a write on disk.
        sync.config_set("appendfsync", "no")
        try:
            with TestClient(orders_app(settings, durability_timeout_ms=50)) as impatient:
                response = post(impatient, shop, make_order())
        finally:
            sync.config_set("appendfsync", "everysec")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "durability_unconfirmed"
    assert post(client, shop, make_order()).json()["created"] is False


@pytest.mark.anyio
async def test_concurrent_duplicates_record_one_order(store: Any) -> None:
    order = parse_order(make_order(), CLOCK)
    orders = OrderStore(store)
    created = await asyncio.gather(*(orders.record_order(SHOP, order) for _ in range(8)))
    assert sorted(created) == [False] * 7 + [True]
    assert await store.xlen(orders_keys.order_log(SHOP)) == 1


@pytest.mark.anyio
async def test_a_store_without_append_only_file_is_refused_clearly(tmp_path: Path) -> None:
    with plain_server(tmp_path) as url:
        client = await connect(url)
        try:
            with pytest.raises(DurabilityUnsupported, match="appendonly yes"):
                await OrderStore(client).record_order(SHOP, parse_order(make_order(), CLOCK))
            assert await client.exists(orders_keys.order(SHOP, "A-1001"))
        finally:
            await client.aclose()


@pytest.mark.anyio
@pytest.mark.slow
async def test_orders_are_confirmed_on_disk_on_a_cluster(tmp_path: Path) -> None:
    with valkey_cluster(tmp_path) as url:
        cluster = await connect(url)
        try:
            await cluster.config_set("appendonly", "yes", target_nodes=cluster.ALL_NODES)
            orders, order = OrderStore(cluster, 5_000), parse_order(make_order(), CLOCK)
            # Shops spread over the nodes: WAITAOF must follow each script to its node.
            for shop in ("shop-a", "shop-b", "shop-c", "shop-d"):
                assert await orders.record_order(shop, order) is True
                assert await orders.record_order(shop, order) is False
                assert (await orders.order(shop, "A-1001")).order == order
        finally:
            await cluster.aclose()
