"""`basketlift serve` as a real process: uvicorn, the embedded store, and crashes."""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from click.testing import CliRunner

from tests.conftest import ADMIN_TOKEN, ORIGIN, make_event
from tests.servers import Server
from widget.cli import main
from widget.platform.embedded import socket_path

pytestmark = pytest.mark.slow


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "data"


def create_shop(server: Server) -> dict[str, Any]:
    response = server.http.post(
        "/v1/admin/shops",
        json={"name": "Crash Test", "origins": [ORIGIN]},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    created: dict[str, Any] = response.json()
    return created


def stored_events(data_dir: Path, shop: str) -> int:
    client = redis.Redis(unix_socket_path=str(socket_path(data_dir)), decode_responses=True)
    try:
        entries: Any = client.xrange(f"bl:{{{shop}}}:events")
        return sum(int(fields["n"]) for _, fields in entries)
    finally:
        client.close()


def test_kill_9_after_an_acknowledged_batch_loses_none_of_it(data_dir: Path) -> None:
    server = Server(data_dir)
    shop = create_shop(server)
    body = {"site_key": shop["site_key"], "events": [make_event() for _ in range(50)]}
    response = server.http.post("/v1/events", json=body, headers={"Origin": ORIGIN})
    assert response.json()["accepted"] == 50
    server.stop(signal.SIGKILL)
    restarted = Server(data_dir)
    try:
        assert stored_events(data_dir, shop["id"]) == 50
        again = restarted.http.post("/v1/events", json=body, headers={"Origin": ORIGIN})
        assert again.json() == {"accepted": 0, "duplicates": 50, "rejected": []}
    finally:
        restarted.stop()


def test_graceful_stop_shuts_the_embedded_store_down(data_dir: Path) -> None:
    server = Server(data_dir)
    assert socket_path(data_dir).exists()
    server.stop(signal.SIGINT)
    assert server.process.returncode == 0
    assert not socket_path(data_dir).exists()


def refused_for_the_address(server: Server, forwarded_for: list[str]) -> list[bool]:
    """For failed logins each claiming to come from the next address: refused for the
    address (rather than for the password)?"""
    page = server.http.get("/dashboard/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    form = {"email": "nobody@example.com", "password": "wrong", "csrf_token": token[1]}
    headers = {"Cookie": f"bl_form={token[1]}"}
    answers = [
        server.http.post("/dashboard/login", data=form, headers=headers | {"X-Forwarded-For": a})
        for a in forwarded_for
    ]
    return ["from your address" in answer.text for answer in answers]


@pytest.mark.parametrize(("trusted", "limited"), [("", True), ("127.0.0.1", False)])
def test_forwarded_for_is_believed_only_from_trusted_proxies(
    data_dir: Path, trusted: str, limited: bool
) -> None:
    server = Server(data_dir, {"BASKETLIFT_TRUSTED_PROXIES": trusted})
    try:
        refused = refused_for_the_address(server, [f"203.0.113.{n}" for n in range(31)])
        assert refused == [False] * 30 + [limited]
    finally:
        server.stop()


def test_a_public_host_without_a_public_url_does_not_start(data_dir: Path) -> None:
    env = {"BASKETLIFT_DATA_DIR": str(data_dir), "BASKETLIFT_PUBLIC_URL": ""}
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0"], env=env)
    assert result.exit_code == 1 and "set BASKETLIFT_PUBLIC_URL" in result.output
    assert not data_dir.exists()
