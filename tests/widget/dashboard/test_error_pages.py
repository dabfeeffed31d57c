"""Errors at dashboard addresses: a page for a browser, the API's JSON for anyone else."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from tests.widget.conftest import log_in
from widget.app import create_app
from widget.platform.settings import Settings

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
OCTOBER = "/dashboard/shops/shop-a/uplift?period=2026-10"


def test_a_dashboard_address_that_does_not_exist_is_a_page_for_browsers(web: TestClient) -> None:
    log_in(web, "admin@a.example")
    for path in ("/dashboard/shops/shop-a/nothing", "/dashboard/nothing"):
        page = web.get(path, headers=HTML)
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["content-security-policy"].startswith("default-src 'none'")
        assert '<p role="alert">There is no page at this address.</p>' in page.text
        api = web.get(path, headers={"Accept": "application/json"})
        assert api.status_code == 404
        assert api.json() == {"error": {"status": 404, "code": "not_found", "message": "Not Found"}}
    assert web.get("/v1/nothing", headers=HTML).headers["content-type"] == "application/json"


def test_a_refused_method_is_a_page_that_names_the_allowed_ones(web: TestClient) -> None:
    log_in(web, "admin@a.example")
    page = web.post(OCTOBER, headers=HTML)
    assert page.status_code == 405 and page.headers["allow"] == "GET, HEAD"
    assert "This page cannot be opened that way" in page.text


async def _bug(request: Request) -> Response:
    raise RuntimeError("a bug")


def test_a_bug_is_a_page_for_browsers_and_plain_text_for_the_api(settings: Settings) -> None:
    app = create_app(settings)
    app.router.routes.insert(0, Route("/dashboard/bug", _bug))
    app.router.routes.insert(0, Route("/v1/bug", _bug))
    with TestClient(app, raise_server_exceptions=False) as client:
        page = client.get("/dashboard/bug", headers=HTML)
        assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
        assert "Something went wrong on our side." in page.text
        api = client.get("/v1/bug", headers=HTML)
        assert (api.status_code, api.text) == (500, "Internal Server Error")
