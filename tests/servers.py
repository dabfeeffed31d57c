"""Real server processes for the tests that need them: `python -m widget serve` on a port
of its own, and a store with no append-only file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2

from tests.conftest import ADMIN_TOKEN
from widget.platform.embedded import server_binary


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


@contextmanager
def plain_server(folder: Path) -> Iterator[str]:
    """A Valkey server with no append-only file, on a unix socket."""
    path = folder / "plain.sock"
    options = ["--port", "0", "--unixsocket", str(path), "--appendonly", "no", "--save", ""]
    command = [str(server_binary()), *options, "--dir", str(folder)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        yield f"unix://{path}"
    finally:
        process.terminate()
        process.wait(timeout=10)
