"""`basketlift serve` as a real process: uvicorn, the embedded store, and crashes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
import redis

from tests.conftest import ADMIN_TOKEN, ORIGIN, make_event
from widget.platform.embedded import socket_path

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """`python -m widget serve` on a data folder, with nothing else configured."""

    def __init__(self, data_dir: Path, extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("BASKETLIFT_")}
        env |= {
            "BASKETLIFT_DATA_DIR": str(data_dir),
            "BASKETLIFT_PORT": str(self.port),
            "BASKETLIFT_ADMIN_TOKEN": ADMIN_TOKEN,
            **(extra_env or {}),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "widget", "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.http = httpx2.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=10)
        deadline = time.monotonic() + 30
        while not self._ready():
            assert self.process.poll() is None, "basketlift serve exited during start"
            assert time.monotonic() < deadline, "basketlift serve did not become ready"
            time.sleep(0.1)

    def _ready(self) -> bool:
        try:
            return self.http.get("/readyz").status_code == 200
        except httpx2.TransportError:
            return False

    def stop(self, sig: int = signal.SIGTERM) -> None:
        self.http.close()
        self.process.send_signal(sig)
        self.process.wait(timeout=30)


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
