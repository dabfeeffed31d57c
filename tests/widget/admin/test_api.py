from __future__ import annotations

from dataclasses import replace
from typing import Any

from starlette.testclient import TestClient

from tests.conftest import ORIGIN, admin_headers
from widget.app import create_app
from widget.platform.settings import Settings


def test_admin_needs_the_token(client: TestClient) -> None:
    assert client.get("/v1/admin/shops").status_code == 401
    wrong = {"Authorization": "Bearer not-the-token-at-all"}
    assert client.get("/v1/admin/shops", headers=wrong).status_code == 401


def test_admin_is_disabled_without_a_token(settings: Settings) -> None:
    with TestClient(create_app(replace(settings, admin_token=None))) as client:
        response = client.get("/v1/admin/shops", headers=admin_headers())
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "admin_api_disabled"


def test_create_list_show(client: TestClient, shop: dict[str, Any]) -> None:
    assert shop["secret_key"].startswith("sk_test-shop_")
    listed = client.get("/v1/admin/shops", headers=admin_headers()).json()["shops"]
    assert [found["id"] for found in listed] == ["test-shop"]
    shown = client.get("/v1/admin/shops/test-shop", headers=admin_headers()).json()
    assert shown["origins"] == [ORIGIN] and "secret_key" not in shown


def test_create_errors_name_the_field(client: TestClient, shop: dict[str, Any]) -> None:
    cases = [
        ({"name": "Test Shop", "id": "test-shop"}, 409, None),
        ({"name": 3}, 422, "name"),
        ({"name": "A", "origins": "https://a.example"}, 422, "origins"),
        ({"name": "A", "origins": ["a.example"]}, 422, "origins"),
        ({"name": "A", "id": "Not An Id"}, 422, "id"),
    ]
    for body, status, field in cases:
        response = client.post("/v1/admin/shops", json=body, headers=admin_headers())
        assert response.status_code == status, body
        assert response.json()["error"].get("field") == field
    bad_json = client.post("/v1/admin/shops", content=b"{", headers=admin_headers())
    assert bad_json.status_code == 400


def test_unknown_shop_is_404(client: TestClient) -> None:
    response = client.get("/v1/admin/shops/nope", headers=admin_headers())
    assert response.status_code == 404 and response.json()["error"]["code"] == "unknown_shop"


def test_rotate_keys(client: TestClient, shop: dict[str, Any]) -> None:
    url = "/v1/admin/shops/test-shop/rotate-key"
    secret = client.post(url, headers=admin_headers()).json()["secret_key"]
    assert secret != shop["secret_key"]
    site = client.post(url, json={"key": "site"}, headers=admin_headers()).json()
    assert site["site_key"] != shop["site_key"]
    assert client.post(url, json={"key": "both"}, headers=admin_headers()).status_code == 422


def test_origins(client: TestClient, shop: dict[str, Any]) -> None:
    url = "/v1/admin/shops/test-shop/origins"
    added = client.post(url, json={"origin": "http://localhost:3000"}, headers=admin_headers())
    assert added.json()["origins"] == ["http://localhost:3000", ORIGIN]
    removed = client.delete(f"{url}?origin={ORIGIN}", headers=admin_headers())
    assert removed.json()["origins"] == ["http://localhost:3000"]
    assert client.delete(url, headers=admin_headers()).status_code == 422


def test_unknown_route_and_method_answer_json(client: TestClient) -> None:
    assert client.get("/nope").json()["error"]["status"] == 404
    assert client.get("/v1/events").json()["error"]["status"] == 405
