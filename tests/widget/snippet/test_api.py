from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from widget.app import create_app
from widget.platform.settings import Settings
from widget.snippet import api as static_api

SITE_KEY = "pk_demo-shop_0123456789abcdef0123456789abcdef"
BUILT = static_api.STATIC_DIR / "js"


def with_static_routes(app: Starlette, folder: Path = static_api.STATIC_DIR) -> Starlette:
    """The app, answering the snippet's routes from `folder` ahead of its own routes."""
    if folder != static_api.STATIC_DIR:
        app.router.routes[0:0] = static_api.routes(folder)
    return app


@pytest.fixture
def static_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(with_static_routes(create_app(settings))) as test_client:
        yield test_client


def manifest() -> dict[str, str]:
    loaded: dict[str, str] = orjson.loads((BUILT / "manifest.json").read_bytes())
    return loaded


def test_the_loader_is_cached_for_minutes_and_names_the_current_script(
    static_client: TestClient,
) -> None:
    response = static_client.get("/js/loader.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert manifest()["script"] in response.text


def test_the_versioned_script_is_immutable(static_client: TestClient) -> None:
    response = static_client.get(f"/js/{manifest()['script']}")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.content == (BUILT / manifest()["script"]).read_bytes()


def test_the_script_is_gzipped_for_clients_that_accept_it(static_client: TestClient) -> None:
    name = manifest()["script"]
    response = static_client.get(f"/js/{name}", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert len(gzip.compress(response.content)) <= 10 * 1024


def test_a_known_etag_answers_304(static_client: TestClient) -> None:
    etag = static_client.get("/js/loader.js").headers["etag"]
    again = static_client.get("/js/loader.js", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_an_unknown_script_is_404(static_client: TestClient) -> None:
    response = static_client.get("/js/basketlift.000000000000.js")
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "name"


def test_an_unbuilt_snippet_answers_503(settings: Settings, tmp_path: Path) -> None:
    app = create_app(settings)
    app.router.routes[:0] = static_api.routes(tmp_path)
    with TestClient(app) as test_client:
        response = test_client.get("/js/loader.js")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "snippet_not_built"


def test_the_demo_page_pastes_the_snippet_with_the_site_key(static_client: TestClient) -> None:
    response = static_client.get("/demo/", params={"site_key": SITE_KEY, "cart": "22423,84879"})
    assert response.status_code == 200
    tag = re.search(r"<script>.*?</script>", response.text)
    assert tag is not None
    assert SITE_KEY in tag.group() and "http://127.0.0.1:8000/js/loader.js" in tag.group()
    assert len(tag.group().encode()) <= 1024
    for placement in ("product", "basket", "home", "longtail"):
        assert f'data-basketlift="{placement}"' in response.text
    assert 'data-product-id="85123A"' in response.text
    assert 'data-cart="22423,84879"' in response.text


@pytest.mark.parametrize("site_key", [SITE_KEY, ""])
def test_the_host_header_is_not_reflected(static_client: TestClient, site_key: str) -> None:
    response = static_client.get("/demo/", params={"site_key": site_key}, headers={"Host": "evil"})
    assert "evil" not in response.text and "http://127.0.0.1:8000" in response.text


def test_the_demo_page_escapes_what_it_is_given(static_client: TestClient) -> None:
    response = static_client.get("/demo/", params={"product_id": '"><script>alert(1)</script>'})
    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;alert(1)" in response.text


def test_the_demo_page_without_a_site_key_says_what_to_add(static_client: TestClient) -> None:
    response = static_client.get("/demo/")
    assert response.status_code == 200
    assert "?site_key=pk_" in response.text
    assert "loader.js" not in response.text


def test_the_demo_page_refuses_a_malformed_site_key(static_client: TestClient) -> None:
    response = static_client.get("/demo/", params={"site_key": "pk_'><script>"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "site_key"


def test_every_static_route_is_documented() -> None:
    routed = {route.path for route in static_api.routes()}
    assert routed == set(static_api.paths)
