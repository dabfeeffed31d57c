"""Answers of 1,000 bytes or more are gzipped when the client accepts it, on the fast lane
and through the stack alike; what is already encoded, and small answers, are left alone."""

from __future__ import annotations

import gzip
import re
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.responses import StreamingResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from tests.conftest import CHROMIUM_FETCH_HEADERS, ORIGIN
from tests.widget.recommendations.test_api import gift_shop
from widget.platform.compression import middleware
from widget.snippet import api as static_api

FOUR_PLACEMENTS = ["product", "basket", "home", "longtail"]


@pytest.fixture
def shop(client: TestClient) -> dict[str, Any]:
    return gift_shop(client)


def raw(client: TestClient, url: str, encoding: str, **params: Any) -> tuple[Any, bytes]:
    """Headers and the body as sent, before any decoding."""
    headers = CHROMIUM_FETCH_HEADERS | {"Accept-Encoding": encoding}
    with client.stream("GET", url, params=params, headers=headers) as response:
        return response.headers, b"".join(response.iter_raw())


def masked(body: bytes) -> bytes:
    return re.sub(rb'"rec_id":"r_[0-9a-f]+"', b'"rec_id":"r_"', body)


def recommendations(shop: dict[str, Any]) -> dict[str, Any]:
    query = {"site_key": shop["site_key"], "anonymous_id": "v-1", "session_id": "s-1"}
    return query | {"placement": FOUR_PLACEMENTS, "product_id": "85123A", "limit": "8"}


def test_recommendations_are_gzipped_and_the_same_once_decoded(
    client: TestClient, shop: dict[str, Any]
) -> None:
    query = recommendations(shop)
    zipped_headers, zipped = raw(client, "/v1/recommendations", "gzip, deflate, br", **query)
    plain_headers, plain = raw(client, "/v1/recommendations", "identity", **query)
    assert len(plain) > 3000
    assert zipped_headers["content-encoding"] == "gzip"
    assert int(zipped_headers["content-length"]) == len(zipped) < len(plain) / 2
    assert masked(gzip.decompress(zipped)) == masked(plain)
    assert "content-encoding" not in plain_headers
    # Caches keep the two apart; CORS answers still vary by origin.
    for headers in (zipped_headers, plain_headers):
        assert headers["vary"] == "Origin, Accept-Encoding"
        assert headers["access-control-allow-origin"] == ORIGIN


def test_answers_through_the_stack_are_gzipped_too(
    client: TestClient, shop: dict[str, Any]
) -> None:
    secret = {"Authorization": f"Bearer {shop['secret_key']}", "Accept-Encoding": "gzip"}
    with client.stream("GET", "/v1/catalog", params={"limit": "50"}, headers=secret) as response:
        zipped = b"".join(response.iter_raw())
        assert response.headers["content-encoding"] == "gzip"
    plain = client.get(
        "/v1/catalog", params={"limit": "50"}, headers=secret | {"Accept-Encoding": "identity"}
    )
    assert gzip.decompress(zipped) == plain.content and len(plain.content) > 1000


def test_a_small_answer_is_not_compressed(client: TestClient, shop: dict[str, Any]) -> None:
    query = recommendations(shop) | {"placement": "product", "limit": "1"}
    headers, body = raw(client, "/v1/recommendations", "gzip", **query)
    assert len(body) < 1000 and body.startswith(b'{"arm":')
    assert "content-encoding" not in headers and headers["vary"] == "Origin"
    health_headers, health = raw(client, "/healthz", "gzip")
    assert "content-encoding" not in health_headers and health.startswith(b"{")


def test_the_snippet_keeps_its_own_gzip_and_etag(client: TestClient) -> None:
    name = static_api.SnippetFiles.load(static_api.STATIC_DIR / "js").assets
    script = next(key for key in name if key != "loader.js")
    asset = name[script]
    headers, body = raw(client, f"/js/{script}", "gzip")
    assert headers["content-encoding"] == "gzip" and headers["etag"] == asset.etag
    assert body == asset.gzipped  # encoded once, by the route, never twice
    assert headers["vary"] == "Accept-Encoding"
    plain_headers, plain = raw(client, f"/js/{script}", "identity")
    assert plain == asset.body and plain_headers["etag"] == asset.etag
    again = client.get(f"/js/{script}", headers={"If-None-Match": asset.etag})
    assert again.status_code == 304 and again.content == b""


def test_a_streamed_answer_is_compressed_chunk_by_chunk() -> None:
    lines = [b'{"n": %d, "pad": "%s"}\n' % (n, b"x" * 200) for n in range(50)]

    async def export(request: Any) -> StreamingResponse:
        async def rows() -> Any:
            for line in lines:
                yield line

        return StreamingResponse(rows(), media_type="application/x-ndjson")

    app = Starlette(routes=[Route("/export", export)], middleware=[middleware])
    with TestClient(app) as streaming:
        with streaming.stream("GET", "/export", headers={"Accept-Encoding": "gzip"}) as response:
            assert response.headers["content-encoding"] == "gzip"
            assert b"".join(response.iter_bytes()) == b"".join(lines)
