"""A real three-node Valkey cluster on loopback, from the embedded package's binaries."""

from __future__ import annotations

import random
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import redis

from widget.platform.embedded import server_binary

NODES = 3


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _free_ports(count: int) -> list[int]:
    """Ports whose cluster-bus port (port + 10000) is free too, so below 55536."""
    start = random.randrange(20_000, 30_000)
    ports = [p for p in range(start, start + 200) if _free(p) and _free(p + 10_000)]
    return ports[:count]


@contextmanager
def valkey_cluster(folder: Path) -> Iterator[str]:
    """Start the nodes, join them into one cluster, yield a URL of one node."""
    binary = server_binary()
    ports = _free_ports(NODES)
    processes = []
    try:
        for port in ports:
            node_dir = folder / str(port)
            node_dir.mkdir(parents=True)
            processes.append(
                subprocess.Popen(
                    [
                        str(binary),
                        "--port",
                        str(port),
                        "--bind",
                        "127.0.0.1",
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        "nodes.conf",
                        "--dir",
                        str(node_dir),
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        for port in ports:
            _wait(partial(redis.Redis(port=port).ping))
        subprocess.run(
            [
                str(binary.with_name("valkey-cli")),
                "--cluster",
                "create",
                *[f"127.0.0.1:{port}" for port in ports],
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],
            check=True,
            capture_output=True,
        )
        _wait(lambda: redis.Redis(port=ports[0]).cluster("info")["cluster_state"] == "ok")
        yield f"redis://127.0.0.1:{ports[0]}"
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)


def _wait(ready: Callable[[], object], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if ready():
                return
        except redis.RedisError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError("the Valkey cluster did not come up")
        time.sleep(0.05)
