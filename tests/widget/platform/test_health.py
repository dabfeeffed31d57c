from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import ADMIN_TOKEN, admin_headers
from tests.servers import corrupt_append_only_file, kill_embedded_server, wait_for
from widget.app import create_app
from widget.platform.settings import Settings
from widget.platform.store_supervisor import FIRST_DELAY_S

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


def test_liveness_fails_once_the_embedded_store_is_given_up(
    settings: Settings, tmp_path: Path
) -> None:
    data = tmp_path / "own"
    own_store = replace(settings, redis_url=None, data_dir=data, store_restarts=1)
    with TestClient(create_app(own_store)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        kill_embedded_server(data)
        corrupt_append_only_file(data)
        # Down but being restarted: not ready, still alive.
        assert client.get("/readyz").status_code == 503
        assert client.get("/healthz").status_code == 200
        assert wait_for(lambda: client.get("/healthz").status_code == 503, FIRST_DELAY_S + 10)
        answer = client.get("/healthz").json()
        assert answer["status"] == "failing" and "valkey.log" in answer["reason"]
        assert client.get("/readyz").status_code == 503
