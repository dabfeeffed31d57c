"""What the benchmarks share: servers in their own processes, wrk, tables and JSON results."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx2

RESULTS = Path(__file__).resolve().parent / "results"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_process(
    args: Sequence[str], env: Mapping[str, str], ready_url: str, cwd: Path | None = None
) -> Any:
    """Start a server process (in `cwd`, if given) and wait until `ready_url` answers 2xx:
    up to three minutes, as a server is ready once its models are loaded and compiled,
    which took 30 s on this machine while other work shared it."""
    process = subprocess.Popen(
        list(args),
        env={**os.environ, **env},
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _, errors = process.communicate()
            raise RuntimeError(f"{args} exited: {errors.decode()}")
        try:
            if httpx2.get(ready_url, timeout=1).is_success:
                return process
        except httpx2.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{args} did not answer {ready_url}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def resident_mb(pid: int) -> float:
    """The resident memory of a process (Linux /proc), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise ValueError(f"no VmRSS for process {pid}")


def stop_process(*processes: Any) -> None:
    """Stop the processes, the last first (a server last: it owns the embedded store)."""
    for process in reversed(processes):
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            print(f"warning: {' '.join(process.args)} did not stop in 30 s; killed", flush=True)
            process.kill()
            process.wait()


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def start_basketlift(
    data_dir: Path, port: int, admin_token: str, consumers: bool = True, code: Path | None = None
) -> list[Any]:
    """`basketlift serve` on its own embedded store, rate limits out of the way, and
    `basketlift consume` beside it (BASKETLIFT_CONSUMERS=separate) unless `consumers` is
    false, so that the HTTP worker measured only serves; returns the processes. With
    `code`, the server runs the packages of that checkout instead of this one."""
    env = {
        "BASKETLIFT_DATA_DIR": str(data_dir),
        "BASKETLIFT_PORT": str(port),
        "BASKETLIFT_ADMIN_TOKEN": admin_token,
        "BASKETLIFT_REDIS_URL": "",
        "BASKETLIFT_RATE_LIMIT_SITE": "1e9",
        "BASKETLIFT_RATE_LIMIT_CLIENT": "1e9",
        # every benchmark request comes from 127.0.0.1: all of its new visitors count
        "BASKETLIFT_NEW_VISITORS_PER_NETWORK_HOUR": "1000000",
        "BASKETLIFT_LOG_LEVEL": "warning",
        "BASKETLIFT_CONSUMERS": "separate",
        # A benchmark's flood of events would start automatic trainings, whose fits
        # share the cores with what is measured.
        "BASKETLIFT_RETRAIN_EVERY_HOURS": "0",
        "BASKETLIFT_RETRAIN_AFTER_EVENTS": "0",
    }
    if code is not None:
        # `python -m` puts the working directory first on the path, then PYTHONPATH: both
        # name the checkout, ahead of the editable install of this one.
        env["PYTHONPATH"] = str(code)
    server = start_process(
        python_module("widget", "serve"), env, f"http://127.0.0.1:{port}/readyz", cwd=code
    )
    if not consumers:
        return [server]
    consumer = subprocess.Popen(
        python_module("widget", "consume"),
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return [server, consumer]


def start_bare(port: int) -> Any:
    """The framework's ceilings (bench/bare_app.py) on uvicorn, configured like the server."""
    return start_process(
        python_module(
            "uvicorn",
            "bench.bare_app:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ),
        {},
        f"http://127.0.0.1:{port}/healthz",
    )


def run_wrk(
    url: str, script: Path, env: Mapping[str, str], connections: int, seconds: int
) -> dict[str, Any]:
    """Run wrk (one thread, so the server keeps its own core) and parse its RESULT line."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    completed = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(script), url],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(line for line in completed.stdout.splitlines() if line.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    return result


def print_table(rows: Sequence[Mapping[str, Any]], title: str) -> None:
    columns = list(rows[0])
    widths = [max(len(c), *(len(_cell(row[c])) for row in rows)) for c in columns]
    print(f"\n{title}")
    print("  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True)))
    for row in rows:
        cells = (_cell(row[c]).rjust(w) for c, w in zip(columns, widths, strict=True))
        print("  ".join(cells))


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    return str(value)


def save_results(name: str, payload: Mapping[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    machine = {"cores": os.cpu_count(), "python": sys.version.split()[0]}
    path.write_text(json.dumps({"machine": machine, **payload}, indent=2) + "\n")
    return path
