from __future__ import annotations

from typing import Any

import orjson
import pytest
import redis
from starlette.testclient import TestClient

from tests.widget.catalog.samples import (
    CONTENT_TYPES,
    ENCODERS,
    as_json,
    as_ndjson,
    online_retail,
)
from tests.widget.test_openapi import operation

PRODUCTS = online_retail()


def put(
    client: TestClient, shop: dict[str, Any], body: bytes, fmt: str = "json", **params: str
) -> Any:
    headers = {"Authorization": f"Bearer {shop['secret_key']}", "Content-Type": CONTENT_TYPES[fmt]}
    return client.put("/v1/catalog", content=body, headers=headers, params=params)


def get(client: TestClient, shop: dict[str, Any], path: str, **params: str) -> Any:
    headers = {"Authorization": f"Bearer {shop['secret_key']}"}
    return client.get(f"/v1/catalog{path}", headers=headers, params=params)


def version(clean_store: str) -> int:
    with redis.Redis.from_url(clean_store) as store:
        return int(store.get("bl:{test-shop}:catalog:version") or 0)


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv"])
def test_an_upload_in_each_format_stores_the_real_catalogue(
    client: TestClient, shop: dict[str, Any], fmt: str, clean_store: str
) -> None:
    response = put(client, shop, ENCODERS[fmt](PRODUCTS), fmt)
    assert response.json() == {"upserted": 300, "deleted": 0, "rejected": [], "rejected_count": 0}
    shown = get(client, shop, "/85123A").json()
    assert shown == PRODUCTS[0] | {"image_url": None, "brand": None, "margin": None, "variants": []}
    assert version(clean_store) == 1


def test_bad_rows_are_reported_and_good_rows_kept(client: TestClient, shop: dict[str, Any]) -> None:
    rows = [*PRODUCTS[:3], {**PRODUCTS[3], "price": "-2"}, PRODUCTS[4], {**PRODUCTS[5], "url": 5}]
    body = as_ndjson(rows[:5]) + b"{oops\n" + as_ndjson(rows[5:])
    answer = put(client, shop, body, "ndjson").json()
    assert answer["upserted"] == 4 and answer["rejected_count"] == 3
    assert answer["rejected"][:2] == [
        {"row": 4, "field": "price", "reason": "must not be negative"},
        {"row": 6, "field": None, "reason": answer["rejected"][1]["reason"]},
    ]
    assert answer["rejected"][1]["reason"].startswith("not valid JSON")
    assert answer["rejected"][2] == {"row": 7, "field": "url", "reason": "must be a string"}
    assert get(client, shop, f"/{PRODUCTS[4]['product_id']}").status_code == 200
    assert get(client, shop, f"/{PRODUCTS[3]['product_id']}").status_code == 404


def test_the_list_of_rejections_is_capped(client: TestClient, shop: dict[str, Any]) -> None:
    rows = [{**p, "currency": "pounds"} for p in PRODUCTS] * 4
    answer = put(client, shop, as_json(rows)).json()
    assert (answer["upserted"], answer["rejected_count"], len(answer["rejected"])) == (
        0,
        1200,
        1000,
    )
    assert answer["rejected"][-1]["row"] == 1000


def test_an_upload_upserts(client: TestClient, shop: dict[str, Any], clean_store: str) -> None:
    put(client, shop, as_json(PRODUCTS[:10]))
    changed = [{**p, "price": "9.99", "in_stock": False} for p in PRODUCTS[5:15]]
    assert put(client, shop, as_json(changed)).json()["upserted"] == 10
    assert (
        get(client, shop, f"/{PRODUCTS[0]['product_id']}").json()["price"] == PRODUCTS[0]["price"]
    )
    assert get(client, shop, f"/{PRODUCTS[5]['product_id']}").json()["in_stock"] is False
    assert len(get(client, shop, "", limit="1000").json()["products"]) == 15
    assert version(clean_store) == 2


def test_rows_and_requests_delete(
    client: TestClient, shop: dict[str, Any], clean_store: str
) -> None:
    put(client, shop, as_json(PRODUCTS[:10]))
    ids = [p["product_id"] for p in PRODUCTS]
    deletions = [{"product_id": ids[0], "deleted": True}, {"product_id": "never", "deleted": True}]
    answer = put(client, shop, as_json(deletions)).json()
    assert (answer["upserted"], answer["deleted"]) == (0, 1)
    headers = {"Authorization": f"Bearer {shop['secret_key']}"}
    assert client.delete(f"/v1/catalog/{ids[1]}", headers=headers).json()["deleted"] is True
    again = client.delete(f"/v1/catalog/{ids[1]}", headers=headers)
    assert (again.status_code, again.json()["error"]["code"]) == (404, "unknown_product")
    assert get(client, shop, f"/{ids[0]}").status_code == 404
    assert version(clean_store) == 3


def test_a_later_row_wins_within_an_upload(client: TestClient, shop: dict[str, Any]) -> None:
    first = PRODUCTS[0]
    rows = [first, {"product_id": first["product_id"], "deleted": True}, PRODUCTS[1]]
    rows += [{**PRODUCTS[1], "title": "RENAMED"}]
    assert put(client, shop, as_json(rows)).json()["upserted"] == 3
    assert get(client, shop, f"/{first['product_id']}").status_code == 404
    assert get(client, shop, f"/{PRODUCTS[1]['product_id']}").json()["title"] == "RENAMED"


def test_replace_deletes_what_the_upload_does_not_name(
    client: TestClient, shop: dict[str, Any]
) -> None:
    put(client, shop, as_json(PRODUCTS))
    kept = [*PRODUCTS[:200], {**PRODUCTS[250], "price": "free"}]
    answer = put(client, shop, as_json(kept), replace="true").json()
    assert (answer["upserted"], answer["deleted"], answer["rejected_count"]) == (200, 99, 1)
    listed = get(client, shop, "", limit="1000").json()["products"]
    assert len(listed) == 201  # a rejected row keeps its product as it was
    assert get(client, shop, f"/{PRODUCTS[250]['product_id']}").json() == (
        PRODUCTS[250] | {"image_url": None, "brand": None, "margin": None, "variants": []}
    )
    assert put(client, shop, b"[]", replace="1").json()["deleted"] == 201


def test_pages_cover_the_catalogue_once(client: TestClient, shop: dict[str, Any]) -> None:
    put(client, shop, as_json(PRODUCTS))
    seen: list[str] = []
    cursor: dict[str, str] = {}
    while True:
        page = get(client, shop, "", limit="70", **cursor).json()
        assert len(page["products"]) <= 70
        seen += [p["product_id"] for p in page["products"]]
        if page["next_cursor"] is None:
            break
        cursor = {"cursor": page["next_cursor"]}
    assert sorted(seen) == sorted(p["product_id"] for p in PRODUCTS)


def test_a_refused_upload_says_what_was_stored(client: TestClient, shop: dict[str, Any]) -> None:
    body = as_json(PRODUCTS[:20])[:-1] + b', {"product_id": "x"}] trailing'
    response = put(client, shop, body)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "the body goes on after the array's closing ] (the 21 rows before it were read; "
        "valid ones are stored)"
    )
    assert get(client, shop, f"/{PRODUCTS[19]['product_id']}").status_code == 200


@pytest.mark.parametrize(
    "headers, body, status, code, field",
    [
        ({"Authorization": ""}, b"[]", 401, "unauthorized", None),
        ({"Authorization": "Bearer sk_test-shop_wrong"}, b"[]", 401, "unauthorized", None),
        ({"Content-Type": "text/plain"}, b"[]", 415, "unsupported_format", None),
        ({"Content-Encoding": "gzip"}, b"[]", 415, "unsupported_content_encoding", None),
        ({}, b"", 400, "malformed_upload", None),
        ({}, b'{"product_id": 1}', 400, "malformed_upload", None),
        ({"Content-Type": "text/csv"}, b"sku,title\n1,a\n", 415, "unsupported_format", None),
        ({}, b'[{"title": "' + b"x" * 70_000 + b'"}]', 413, "row_too_large", None),
        ({"Content-Length": str(2**30 + 1)}, b"[]", 413, "upload_too_large", None),
    ],
)
def test_what_is_wrong_with_the_whole_request(
    client: TestClient,
    shop: dict[str, Any],
    headers: dict[str, str],
    body: bytes,
    status: int,
    code: str,
    field: str | None,
) -> None:
    sent = {"Authorization": f"Bearer {shop['secret_key']}", "Content-Type": "application/json"}
    response = client.put("/v1/catalog", content=body, headers=sent | headers)
    assert response.status_code == status
    error = response.json()["error"]
    assert (error["code"], error.get("field")) == (code, field)


@pytest.mark.parametrize(
    "path, params, status, field",
    [
        ("", {"limit": "0"}, 422, "limit"),
        ("", {"limit": "1001"}, 422, "limit"),
        ("", {"limit": "\u00b2"}, 422, "limit"),
        ("", {"limit": "\u0663"}, 422, "limit"),
        ("", {"limit": "9" * 5000}, 422, "limit"),
        ("", {"cursor": "abc"}, 422, "cursor"),
        ("/nope", {}, 404, "product_id"),
    ],
)
def test_bad_reads(
    client: TestClient, shop: dict[str, Any], path: str, params: dict[str, str], status: int,
    field: str,
) -> None:  # fmt: skip
    response = get(client, shop, path, **params)
    assert (response.status_code, response.json()["error"]["field"]) == (status, field)


def test_replace_must_be_a_flag(client: TestClient, shop: dict[str, Any]) -> None:
    response = put(client, shop, b"[]", replace="perhaps")
    assert (response.status_code, response.json()["error"]["field"]) == (422, "replace")


def test_reads_need_the_secret_key(client: TestClient, shop: dict[str, Any]) -> None:
    assert client.get("/v1/catalog/85123A").status_code == 401
    assert client.get("/v1/catalog", headers={"Authorization": "Bearer x"}).status_code == 401
    assert client.delete("/v1/catalog/85123A").status_code == 401


def test_a_product_without_brand_or_margin_is_listed_as_documented(
    client: TestClient, shop: dict[str, Any]
) -> None:
    row = {"product_id": "p1", "title": "Mug", "url": "https://shop.example/p1", "price": 5}
    row["currency"] = "EUR"
    assert put(client, shop, orjson.dumps([row])).json()["upserted"] == 1
    listed = get(client, shop, "")
    product = listed.json()["products"][0]
    assert (product["brand"], product["margin"], product["price"]) == (None, None, "5")
    operation("/v1/catalog", "GET").validate_response(listed)
    operation("/v1/catalog/{product_id}", "GET").validate_response(get(client, shop, "/p1"))


@pytest.mark.parametrize("cursor", ["", "\u00b2.0", "1.\u0663", "1", "12345678901234567890.0"])
def test_a_cursor_not_of_the_listing_is_422(
    client: TestClient, shop: dict[str, Any], cursor: str
) -> None:
    response = get(client, shop, "", cursor=cursor)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "cursor"
