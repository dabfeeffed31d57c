"""The demo's HTTP server: the real `basketlift serve` in a process of its own, on the demo's
store, so that the replay (a client in this process) and the server each have a core."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

from widget.platform.embedded import die_with_parent

LOG_NAME = "demo-server.log"
# Ready once the shop's models are loaded: compiling them the first time on a machine takes
# about half a minute, more on a busy one.
START_TIMEOUT_S = 300.0


class ServerError(RuntimeError):
    """The server could not start, or its port is taken."""


def check_port_free(host: str, port: int) -> None:
    with socket.socket() as probe:
        # as uvicorn binds: connections of an earlier server in TIME_WAIT do not count
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise ServerError(
                f"cannot listen on {host}:{port} ({error.strerror}): give --port"
            ) from None


@dataclass
class DemoServer:
    """`python -m widget serve` with the store at `store_url` and models under `data_dir`.

    Every simulated visitor comes from 127.0.0.1, far faster than shoppers: the event rate
    limits per client and per site key are lifted for this server.
    """

    store_url: str
    data_dir: Path
    host: str
    port: int
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / LOG_NAME

    def start(self) -> None:
        check_port_free(self.host, self.port)
        env = os.environ | {
            "BASKETLIFT_REDIS_URL": self.store_url,
            "BASKETLIFT_DATA_DIR": str(self.data_dir),
            "BASKETLIFT_HOST": self.host,
            "BASKETLIFT_PORT": str(self.port),
            "BASKETLIFT_PUBLIC_URL": self.base_url,
            "BASKETLIFT_WORKERS": "1",
            "BASKETLIFT_CONSUMERS": "in-process",
            "BASKETLIFT_RATE_LIMIT_SITE": "1e9",
            "BASKETLIFT_RATE_LIMIT_CLIENT": "1e9",
            # every simulated shopper comes from this machine: all of them count
            "BASKETLIFT_NEW_VISITORS_PER_NETWORK_HOUR": "1000000",
            "BASKETLIFT_LOG_LEVEL": "warning",
        }
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "widget", "serve"],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                preexec_fn=die_with_parent,
            )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        with httpx2.Client(base_url=self.base_url, timeout=2) as http:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    raise ServerError(f"the server exited at start; see {self.log_path}")
                try:
                    if http.get("/readyz").status_code == 200:
                        return
                except httpx2.TransportError:
                    pass
                time.sleep(0.1)
        self.stop()
        raise ServerError(f"the server did not become ready; see {self.log_path}")

    def wait(self) -> None:
        """Until the server exits (on Ctrl-C, which reaches it too)."""
        if self._process is not None:
            self._process.wait()

    def stop(self) -> None:
        """Stop it cleanly (its consumers finish their round), killing it only if stuck."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
