"""Ingestion benchmark: `POST /v1/events` on a real uvicorn server and the embedded store.

Batches of 1, 10 and 50 events are sent by wrk from its own process over loopback. The
same load goes to a bare Starlette endpoint (the framework's ceiling) and to one that
only parses the JSON and answers JSON (the ceiling of any JSON endpoint), and the
store's pipelined XADD rate is measured (its ceiling). Every event id is new, and the stream
length is checked against what wrk says was accepted, so nothing is counted that was
not appended.

    python -m bench.ingest [--seconds 10] [--connections 32]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx2
import orjson
import redis

from bench.harness import (
    cpu_seconds,
    free_port,
    print_table,
    run_wrk,
    save_results,
    start_bare,
    start_basketlift,
    stop_process,
)
from widget.platform.embedded import PID_NAME, socket_path

SCRIPT = Path(__file__).resolve().parent / "ingest.lua"
BATCH_SIZES = (1, 10, 50)
ADMIN_TOKEN = "bench-admin-token-0123456789"


def create_shop(base_url: str) -> dict[str, Any]:
    response = httpx2.post(
        f"{base_url}/v1/admin/shops",
        json={"name": "Bench", "id": "bench", "origins": ["https://shop.example"]},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    response.raise_for_status()
    created: dict[str, Any] = response.json()
    return created


def xadd_ceiling(store_socket: Path, total: int = 200_000, pipeline: int = 1000) -> float:
    """Events a second that one client appends with pipelined XADD of a typical event."""
    client = redis.Redis(unix_socket_path=str(store_socket))
    payload = orjson.dumps({"event_id": "0" * 36, "type": "Product Viewed", "pad": "x" * 400})
    started = time.perf_counter()
    for _ in range(total // pipeline):
        with client.pipeline(transaction=False) as pipe:
            for _ in range(pipeline):
                pipe.xadd("bl:{ceiling}:events", {"e": payload})
            pipe.execute()
    rate = total / (time.perf_counter() - started)
    client.delete("bl:{ceiling}:events")
    client.close()
    return rate


def appended_events(store: Any) -> int:
    return sum(int(fields[b"n"]) for _, fields in store.xrange("bl:{bench}:events"))


def measure(
    url: str, env: dict[str, str], connections: int, seconds: int, pids: dict[str, int]
) -> dict[str, Any]:
    """One wrk run; also the CPU time each of `pids` spent per request meanwhile."""
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    wrk = run_wrk(url, SCRIPT, env, connections, seconds)
    cpu = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
    requests_per_s = wrk["requests"] / (wrk["duration_us"] / 1e6)
    return {
        **{f"{name}_cpu_us": 1e6 * used / wrk["requests"] for name, used in cpu.items()},
        "requests": wrk["requests"],
        "requests_per_s": requests_per_s,
        "events_per_s": requests_per_s * int(env["BENCH_BATCH"]),
        "p50_ms": wrk["p50_us"] / 1000,
        "p99_ms": wrk["p99_us"] / 1000,
        "errors": wrk["non_2xx"] + wrk["socket_errors"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="Duration of each wrk run.")
    parser.add_argument("--connections", type=int, default=32, help="Concurrent connections.")
    parser.add_argument(
        "--consumers",
        choices=["separate", "off"],
        default="separate",
        help="Run the stream consumers in their own process (as a deployment does), or not at "
        "all (the HTTP worker's capacity alone; on 2 cores they compete with it).",
    )
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="basketlift-bench-"))
    port, bare_port = free_port(), free_port()
    processes = start_basketlift(data_dir, port, ADMIN_TOKEN, args.consumers == "separate")
    server = processes[0]
    bare = start_bare(bare_port)
    rows: list[dict[str, Any]] = []
    try:
        shop = create_shop(f"http://127.0.0.1:{port}")
        store = redis.Redis(unix_socket_path=str(socket_path(data_dir)))
        store_pid = int((data_dir / PID_NAME).read_text())
        for batch in BATCH_SIZES:
            env = {"BENCH_SITE_KEY": shop["site_key"], "BENCH_BATCH": str(batch)}
            before = appended_events(store)
            ours = measure(
                f"http://127.0.0.1:{port}/v1/events",
                env,
                args.connections,
                args.seconds,
                {"server": server.pid, "store": store_pid},
            )
            appended = appended_events(store) - before
            ceiling, json_ceiling = (
                measure(
                    f"http://127.0.0.1:{bare_port}{path}",
                    env,
                    args.connections,
                    args.seconds,
                    {"server": bare.pid},
                )
                for path in ("/v1/events", "/json/v1/events")
            )
            rows.append(
                {
                    "batch": batch,
                    "req/s": ours["requests_per_s"],
                    "events/s": ours["events_per_s"],
                    "p50 ms": ours["p50_ms"],
                    "p99 ms": ours["p99_ms"],
                    "errors": ours["errors"],
                    "appended": appended,
                    "cpu us/req": ours["server_cpu_us"],
                    "store us/req": ours["store_cpu_us"],
                    "bare req/s": ceiling["requests_per_s"],
                    "bare p99 ms": ceiling["p99_ms"],
                    "bare cpu us/req": ceiling["server_cpu_us"],
                    "% of bare": 100 * ours["requests_per_s"] / ceiling["requests_per_s"],
                    "json req/s": json_ceiling["requests_per_s"],
                    "% of json": 100 * ours["requests_per_s"] / json_ceiling["requests_per_s"],
                }
            )
        store.close()
        xadd_rate = xadd_ceiling(socket_path(data_dir))
    finally:
        stop_process(*processes)
        stop_process(bare)
    for row in rows:
        row["% of XADD"] = 100 * row["events/s"] / xadd_rate
    title = f"POST /v1/events, {args.connections} connections, {args.seconds} s a run"
    print_table(rows, f"{title}, consumers {args.consumers}")
    print(f"store ceiling: {xadd_rate:,.0f} pipelined XADD/s from one client")
    path = save_results(
        f"ingest-consumers-{args.consumers}",
        {
            "consumers": args.consumers,
            "connections": args.connections,
            "seconds": args.seconds,
            "xadd_per_s": xadd_rate,
            "rows": rows,
        },
    )
    print(f"saved {path}")


if __name__ == "__main__":
    main()
