from __future__ import annotations

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from tests.widget.conftest import OPERATOR, accept, csrf_of, invitation_token, log_in
from widget import dashboard
from widget.platform.settings import Settings

SHOP_ROUTES = [
    route.path for route in dashboard.routes if isinstance(route, Route) and "{shop}" in route.path
]


def _url(path: str, shop: str) -> str:
    return path.replace("{shop}", shop).replace("{period}", "2026-10")


def test_signed_out_every_page_goes_to_login(web: TestClient) -> None:
    for path in [*SHOP_ROUTES, "/dashboard/"]:
        response = web.get(_url(path, "shop-a"), follow_redirects=False)
        assert response.headers["location"].startswith("/dashboard/login?next="), path


@pytest.mark.parametrize("path", SHOP_ROUTES)
def test_another_shops_admin_sees_nothing_of_it(web: TestClient, path: str) -> None:
    log_in(web, "admin@b.example")
    assert web.get(_url(path, "shop-b")).status_code == 200, path
    response = web.get(_url(path, "shop-a"))
    assert response.status_code == 404 and "Shop-A" not in response.text, path
    assert web.post(_url(path, "shop-a"), data={}).status_code in (403, 404, 405), path


@pytest.mark.parametrize(
    ("email", "forbidden"),
    [
        ("analyst@a.example", ["invoices", "invoices/2026-10.pdf", "team"]),
        ("finance@a.example", ["integration", "catalogue", "team"]),
    ],
)
def test_roles_limit_the_pages(web: TestClient, email: str, forbidden: list[str]) -> None:
    log_in(web, email)
    assert web.get("/dashboard/shops/shop-a/uplift").status_code == 200
    for page in forbidden:
        assert web.get(f"/dashboard/shops/shop-a/{page}").status_code == 403, page


def test_the_operator_sees_every_shop(web: TestClient) -> None:
    log_in(web, OPERATOR)
    listing = web.get("/dashboard/").text
    assert "shop-a" in listing and "shop-b" in listing
    for shop in ("shop-a", "shop-b"):
        assert web.get(f"/dashboard/shops/{shop}/invoices/2026-10").status_code == 200


def test_an_invitation_works_once(web: TestClient, settings: Settings) -> None:
    link = "/dashboard/invitations/" + invitation_token(str(settings.redis_url), "new@a.example")
    accepted = accept(web, link, "a long new password", "a long new password")
    assert accepted.headers["location"] == "/dashboard/shops/shop-a/uplift"
    assert web.get("/dashboard/shops/shop-a/invoices").status_code == 200
    assert web.get(link).status_code == 404


def test_inviting_needs_the_csrf_token_and_the_admin_role(web: TestClient) -> None:
    log_in(web, "admin@a.example")
    form = {"csrf_token": "forged", "email": "x@a.example", "role": "admin"}
    assert web.post("/dashboard/shops/shop-a/team", data=form).status_code == 403
    log_in(web, "analyst@a.example")
    form["csrf_token"] = csrf_of(web.get("/dashboard/shops/shop-a/uplift").text)
    assert web.post("/dashboard/shops/shop-a/team", data=form).status_code == 403
