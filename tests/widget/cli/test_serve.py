"""`basketlift serve` as a real process: uvicorn, the embedded store, and crashes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from click.testing import CliRunner

from tests.conftest import ADMIN_TOKEN, ORIGIN, make_event
from tests.servers import (
    SERVE_AT_ONCE,
    Server,
    corrupt_append_only_file,
    embedded_servers,
    kill_embedded_server,
    parent_of,
    paused,
    uvicorn_workers,
    wait_for,
)
from widget.cli import main
from widget.platform.embedded import socket_path
from widget.platform.store_supervisor import FIRST_DELAY_S

pytestmark = pytest.mark.slow


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "data"
    # A server outlives a `serve` killed with -9: end what a failed test left.
    for pid in embedded_servers(tmp_path / "data"):
        os.kill(pid, signal.SIGKILL)


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


def send_events(server: Server, shop: dict[str, Any], count: int) -> dict[str, Any]:
    body = {"site_key": shop["site_key"], "events": [make_event() for _ in range(count)]}
    answer: dict[str, Any] = server.http.post(
        "/v1/events", json=body, headers={"Origin": ORIGIN}
    ).json()
    return answer


def test_a_killed_embedded_store_is_restarted_with_what_was_acknowledged(
    data_dir: Path,
) -> None:
    server = Server(data_dir)
    try:
        shop = create_shop(server)
        body = {"site_key": shop["site_key"], "events": [make_event() for _ in range(50)]}
        assert (
            server.http.post("/v1/events", json=body, headers={"Origin": ORIGIN}).json()["accepted"]
            == 50
        )
        killed = kill_embedded_server(data_dir)
        # Down but being restarted: alive, not ready, until the server is back.
        assert server.http.get("/healthz").status_code == 200
        assert wait_for(server._ready, FIRST_DELAY_S + 10)
        assert server.http.get("/healthz").status_code == 200
        assert killed not in embedded_servers(data_dir)
        assert stored_events(data_dir, shop["id"]) == 50
        again = server.http.post("/v1/events", json=body, headers={"Origin": ORIGIN})
        assert again.json() == {"accepted": 0, "duplicates": 50, "rejected": []}
        assert send_events(server, shop, 30)["accepted"] == 30
        assert stored_events(data_dir, shop["id"]) == 80
    finally:
        server.stop()
    assert server.process.returncode == 0 and embedded_servers(data_dir) == []


def test_serve_exits_with_status_1_when_the_store_cannot_be_restarted(data_dir: Path) -> None:
    server = Server(data_dir, {"BASKETLIFT_STORE_RESTARTS": "1"})
    try:
        kill_embedded_server(data_dir)
        corrupt_append_only_file(data_dir)
        assert server.process.wait(timeout=FIRST_DELAY_S + 30) == 1
    finally:
        server.end()


def test_two_serves_started_together_share_one_store_and_neither_stops_it(
    data_dir: Path, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    command = [sys.executable, "-c", SERVE_AT_ONCE, str(go)]
    first, second = (Server(data_dir, command=command, wait=False) for _ in range(2))
    try:
        time.sleep(3)  # both have imported everything and wait for `go`
        go.touch()
        first.wait_until_ready()
        second.wait_until_ready()
        servers = embedded_servers(data_dir)
        assert len(servers) == 1
        # The one that started the server finishes first.
        starter, other = (
            (first, second) if parent_of(servers[0]) == first.process.pid else (second, first)
        )
        shop = create_shop(starter)
        assert send_events(starter, shop, 20)["accepted"] == 20
        starter.stop()
        assert send_events(other, shop, 30)["accepted"] == 30
        assert starter.process.returncode == 0
        assert embedded_servers(data_dir) == servers
        assert stored_events(data_dir, shop["id"]) == 50
        other.stop()
        assert other.process.returncode == 0 and embedded_servers(data_dir) == []
    finally:
        first.end()
        second.end()


def accepted_in_scrape(server: Server, shop: str) -> float:
    text = server.http.get("/metrics", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).text
    found = re.search(rf'^basketlift_events_accepted_total{{shop="{shop}"}} (\S+)$', text, re.M)
    return float(found[1]) if found else 0.0


def test_metrics_of_two_workers_are_summed_in_every_scrape(data_dir: Path) -> None:
    env = {"BASKETLIFT_WORKERS": "2", "BASKETLIFT_RATE_LIMIT_CLIENT": "1000"}
    server = Server(data_dir, env, keep_alive=False)
    try:
        shop = create_shop(server)
        workers = uvicorn_workers(server)
        assert len(workers) == 2
        # Each worker in turn takes every request: the other one is paused.
        for other in workers:
            with paused(other):
                assert sum(send_events(server, shop, 10)["accepted"] for _ in range(6)) == 60
        scrapes = []
        for other in workers:
            with paused(other):
                scrapes += [accepted_in_scrape(server, shop["id"]) for _ in range(3)]
        assert scrapes == [120.0] * 6
    finally:
        server.stop()
    assert not (data_dir / "metrics" / str(server.port)).exists()


def test_consume_exits_with_status_1_when_the_store_cannot_be_restarted(data_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASKETLIFT_")}
    env |= {"BASKETLIFT_DATA_DIR": str(data_dir), "BASKETLIFT_STORE_RESTARTS": "1"}
    command = [sys.executable, "-m", "widget", "consume"]
    consumer = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert consumer.stderr is not None
        assert consumer.stderr.readline().startswith("consumers started")
        kill_embedded_server(data_dir)
        corrupt_append_only_file(data_dir)
        _, errors = consumer.communicate(timeout=FIRST_DELAY_S + 30)
    finally:
        if consumer.poll() is None:
            consumer.terminate()
            consumer.communicate(timeout=30)
    assert consumer.returncode == 1
    assert "could not be restarted after 1 tries" in errors
