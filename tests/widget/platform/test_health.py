from __future__ import annotations

from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from tests.conftest import ADMIN_TOKEN, admin_headers
from widget.app import create_app
from widget.platform.settings import Settings

METRICS_TOKEN = "metrics-token-of-the-tests"


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


def test_metrics_are_prometheus_text(client: TestClient) -> None:
    client.get("/healthz")
    response = client.get("/metrics", headers=admin_headers())
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "basketlift_http_request_duration_seconds_bucket" in response.text
    assert 'route="/healthz"' in response.text


@pytest.mark.parametrize("token", [None, "", "a" * len(ADMIN_TOKEN), ADMIN_TOKEN[:-1], "x" * 100])
def test_metrics_need_a_token(client: TestClient, token: str | None) -> None:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 401 and "shop" not in response.text


def test_the_metrics_token_opens_metrics_and_nothing_else(settings: Settings) -> None:
    app = create_app(replace(settings, metrics_token=METRICS_TOKEN))
    headers = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    with TestClient(app) as client:
        assert client.get("/metrics", headers=headers).status_code == 200
        assert client.get("/v1/admin/shops", headers=headers).status_code == 401


def test_metrics_are_off_without_any_token(settings: Settings) -> None:
    with TestClient(create_app(replace(settings, admin_token=None))) as client:
        assert client.get("/metrics").json()["error"]["code"] == "metrics_disabled"
