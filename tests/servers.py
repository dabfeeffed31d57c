"""Real server processes for the tests that need them: `python -m widget serve` on a port
of its own, and a store with no append-only file; faults of the embedded store."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2

from tests.conftest import ADMIN_TOKEN
from widget.platform.embedded import PID_NAME, server_binary, socket_path

SERVE = [sys.executable, "-m", "widget", "serve"]
# `serve` once this file exists: processes started one after the other (imports done)
# begin within a millisecond of each other.
SERVE_AT_ONCE = """
import pathlib, sys, time
from widget.cli import main
go = pathlib.Path(sys.argv[1])
while not go.exists():
    time.sleep(0.001)
main(["serve"])
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """`python -m widget serve` on a data folder, with nothing else configured."""

    def __init__(
        self,
        data_dir: Path,
        extra_env: dict[str, str] | None = None,
        command: list[str] = SERVE,
        wait: bool = True,
        keep_alive: bool = True,
    ) -> None:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("BASKETLIFT_")}
        env |= {
            "BASKETLIFT_DATA_DIR": str(data_dir),
            "BASKETLIFT_PORT": str(self.port),
            "BASKETLIFT_ADMIN_TOKEN": ADMIN_TOKEN,
            **(extra_env or {}),
        }
        self.process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        # Without keep-alive, every request is a new connection, which any worker may take.
        limits = httpx2.Limits(max_keepalive_connections=None if keep_alive else 0)
        self.http = httpx2.Client(
            base_url=f"http://127.0.0.1:{self.port}", timeout=10, limits=limits
        )
        if wait:
            self.wait_until_ready()

    def wait_until_ready(self) -> None:
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

    def end(self) -> None:
        """Stop it if it still runs: cleanup after a test that may have failed."""
        if self.process.poll() is None:
            self.stop()
        self.http.close()


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


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    """Whether `condition` came true within `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def kill_embedded_server(data_dir: Path) -> int:
    """kill -9 the embedded Valkey server of `data_dir`; its pid."""
    pid = int((data_dir / PID_NAME).read_text())
    os.kill(pid, signal.SIGKILL)
    return pid


def corrupt_append_only_file(data_dir: Path) -> None:
    """A manifest that Valkey refuses to load: the server cannot start again."""
    manifest = next((data_dir / "appendonlydir").glob("*.manifest"))
    manifest.write_text("not a manifest\n")


def embedded_servers(data_dir: Path) -> list[int]:
    """Pids of the Valkey servers listening on `data_dir`'s socket (from their titles)."""
    title = f"unixsocket:{socket_path(data_dir)}".encode()
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if title in cmdline.read_bytes():
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return found


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])


def uvicorn_workers(server: Server) -> list[int]:
    """Pids of the worker processes of `server` (started with `--workers` above 1)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        pid = int(cmdline.parent.name)
        try:
            if b"spawn_main" in cmdline.read_bytes() and parent_of(pid) == server.process.pid:
                found.append(pid)
        except (OSError, ValueError):
            continue
    return sorted(found)


@contextmanager
def paused(pid: int) -> Iterator[None]:
    """Process `pid` stopped, so that the other workers accept every new connection. Keep
    it short: uvicorn replaces a worker that does not answer for 5 s."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)
