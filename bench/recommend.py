"""Recommendation benchmark: `GET /v1/recommendations` on a real uvicorn server.

The shop is built from the diginetica data in ../shared/data: its 43,097 training items
are the catalogue (real ids; the published split has no titles, prices or categories, so
those display fields are made up here), the most recent training sessions are sent
through the real tracker and trained on with `basketlift train`, and real test cases
become visitors: the case's prefix is sent as their views, and they ask for the product
placement while on the case's next product, as the widget does before that page's view
event has arrived (the snippet sends events in batches, up to 2 s later).

wrk, in its own process, asks over 50 connections in two ways:
- new contexts: each request a different visitor, so every context is new to the server
  and the models score it (more visitors than the run makes requests);
- repeated contexts: `--repeated` of those visitors over and over, so the server answers
  from the model answers it remembers (reloads, visitors landing on the same product).
The same load then goes to a bare Starlette endpoint answering a fixed JSON body (the
ceiling). On diginetica's real sessions, `repeated_share` of page views repeat a context
seen among the last 10,000 (printed below), so real traffic is mostly the first kind.

    python -m bench.recommend [--train-sessions 30000] [--visitors 40000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import subprocess
import tempfile
import time
import uuid
from collections import OrderedDict
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx2
import numpy as np
import orjson
import redis
import redis.asyncio as aioredis
from tqdm import tqdm

from bench.harness import (
    cpu_seconds,
    free_port,
    print_table,
    python_module,
    resident_mb,
    run_wrk,
    save_results,
    start_bare,
    start_basketlift,
    stop_process,
)
from billing.contract_store import add_contract
from billing.contracts import Contract
from engine.files import RawSessions, read_session_lines
from tracker.keys import event_stream
from tracker.reader import group_backlog
from widget.platform.embedded import socket_path
from widget.recommendations.models import ANSWERS_KEPT
from widget.recommendations.service import CONTEXT_LENGTH

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "diginetica"
SCRIPT = Path(__file__).resolve().parent / "recommend.lua"
ADMIN_TOKEN = "bench-admin-token-0123456789"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
ORIGIN = "https://shop.example"


def sessions(raw: RawSessions) -> list[list[str]]:
    bounds = np.concatenate([[0], np.cumsum(raw.lengths)])
    return [raw.tokens[a:b].tolist() for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def catalogue(item_ids: list[str]) -> bytes:
    """NDJSON products for real item ids, with made-up display fields."""
    return b"".join(
        orjson.dumps(
            {
                "product_id": item,
                "title": f"Diginetica item {item}",
                "url": f"{ORIGIN}/p/{item}",
                "image_url": f"{ORIGIN}/img/{item}.jpg",
                "price": f"{1 + int(item) % 199}.99",
                "currency": "EUR",
                "in_stock": True,
            }
        )
        + b"\n"
        for item in item_ids
    )


def views(session_id: str, items: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "event_id": str(uuid.uuid4()),
            "type": "Product Viewed",
            "anonymous_id": session_id,
            "session_id": session_id,
            "timestamp": "2026-11-23T10:00:00.000Z",
            "properties": {"product_id": item},
        }
        for item in items
    ]


def send_views(http: httpx2.Client, site_key: str, visits: dict[str, list[str]]) -> int:
    events = [event for sid, items in visits.items() for event in views(sid, items)]
    for start in range(0, len(events), 500):
        body = {"site_key": site_key, "events": events[start : start + 500]}
        response = http.post("/v1/events", json=body, headers={"User-Agent": BROWSER})
        response.raise_for_status()
    return len(events)


def repeated_share(cases: list[list[str]], kept: int = ANSWERS_KEPT) -> float:
    """The share of page views whose context (the session so far, at most 20 products)
    was among the last `kept` distinct ones, over the test split's real sessions."""
    # Each test session comes as all its prefixes, longest first: keep the longest.
    whole = [c for i, c in enumerate(cases) if i == 0 or cases[i - 1][: len(c)] != c]
    recent: OrderedDict[tuple[str, ...], None] = OrderedDict()
    views = repeats = 0
    for session in whole:
        for end in range(1, len(session) + 1):
            context = tuple(session[max(0, end - CONTEXT_LENGTH) : end])
            views += 1
            if context in recent:
                repeats += 1
                recent.move_to_end(context)
            else:
                recent[context] = None
                if len(recent) > kept:
                    recent.popitem(last=False)
    return repeats / views


async def small_holdout(data_dir: Path) -> None:
    """A contract with a 1% holdout, so that nearly every request is served by the models."""
    store = aioredis.Redis(unix_socket_path=str(socket_path(data_dir)))
    try:
        today = datetime.datetime.now(datetime.UTC).date()
        terms = Contract(
            shop="bench",
            version=1,
            effective_from=today.replace(day=1),
            currency="EUR",
            revenue_share_percent=Decimal(10),
            basis="lower_bound",
            holdout_share=0.01,
        )
        await add_contract(store, terms, terms.starts_at - datetime.timedelta(days=1))
    finally:
        await store.aclose()


def setup_shop(base: str, data_dir: Path, train_sessions: int, visitors: int) -> dict[str, Any]:
    """Catalogue, trained models and visitors in session; returns the shop and its paths."""
    http = httpx2.Client(base_url=base, timeout=120, headers={"Origin": ORIGIN})
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    shop = http.post(
        "/v1/admin/shops", json={"name": "Bench", "id": "bench", "origins": [ORIGIN]}, headers=admin
    ).json()
    asyncio.run(small_holdout(data_dir))
    train = sessions(read_session_lines(DATA / "train.txt.gz"))
    items = sorted({item for session in train for item in session})
    started = time.perf_counter()
    upload = http.put(
        "/v1/catalog",
        content=catalogue(items),
        headers={
            "Authorization": f"Bearer {shop['secret_key']}",
            "Content-Type": "application/x-ndjson",
        },
    ).json()
    print(f"catalogue: {upload['upserted']} products in {time.perf_counter() - started:.1f} s")
    recent = {f"train-{i}": s for i, s in enumerate(train[-train_sessions:])}
    started = time.perf_counter()
    sent = send_views(http, shop["site_key"], recent)
    print(f"training events: {sent} sent in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    subprocess.run(
        python_module("widget", "train", "--shop", "bench"),
        env={k: v for k, v in os.environ.items() if not k.startswith("BASKETLIFT_")}
        | {"BASKETLIFT_DATA_DIR": str(data_dir)},
        check=True,
    )
    print(f"training: {time.perf_counter() - started:.1f} s")
    test = sessions(read_session_lines(DATA / "test.txt.gz"))
    picked = np.random.default_rng(0).choice(len(test), visitors, replace=False)
    cases = {f"visit-{i}": test[int(i)] for i in picked}
    send_views(http, shop["site_key"], {sid: case[:-1] for sid, case in cases.items()})
    paths = [
        f"/v1/recommendations?site_key={shop['site_key']}&anonymous_id={sid}&session_id={sid}"
        f"&placement=product&product_id={case[-1]}&limit=8"
        for sid, case in cases.items()
    ]
    wait_until_served(http, paths[-1])
    wait_for_consumers(data_dir)
    return {"shop": shop, "paths": paths, "repeated_share": repeated_share(test)}


def wait_for_consumers(data_dir: Path, seconds: float = 600) -> None:
    """Until every consumer group has taken in the events sent so far: a backlog being
    worked off would share the cores with the server under measurement."""

    async def backlog() -> int:
        store = aioredis.Redis(unix_socket_path=str(socket_path(data_dir)))
        try:
            return sum((await group_backlog(store, event_stream("bench"))).values())
        finally:
            await store.aclose()

    deadline = time.monotonic() + seconds
    with tqdm(desc="consumers catching up", unit="entry") as bar:
        while (left := asyncio.run(backlog())) and time.monotonic() < deadline:
            bar.set_postfix(left=left)
            time.sleep(1)
    if left:
        raise SystemExit(f"the consumers still had {left} entries to take in")


def wait_until_served(http: httpx2.Client, path: str, seconds: float = 120) -> None:
    """Until the server has loaded the trained models and the last visitor's session."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        slot = http.get(path).json()["recommendations"][0]
        if slot["items"] and slot["items"][0]["reason"].startswith("viewed"):
            return
        time.sleep(0.5)
    raise SystemExit("the server never served the trained models")


def measure(url: str, paths_file: Path, seconds: int, pid: int) -> dict[str, Any]:
    before = cpu_seconds(pid)
    wrk = run_wrk(url, SCRIPT, {"BENCH_PATHS": str(paths_file)}, 50, seconds)
    used = cpu_seconds(pid) - before
    return {
        "requests": wrk["requests"],
        "req/s": wrk["requests"] / (wrk["duration_us"] / 1e6),
        "p50 ms": wrk["p50_us"] / 1000,
        "p99 ms": wrk["p99_us"] / 1000,
        "cpu us/req": 1e6 * used / wrk["requests"],
        "errors": wrk["non_2xx"] + wrk["socket_errors"],
    }


def answer_all(url: str, paths: list[str]) -> None:
    """Ask for every path once, so that the server remembers their answers."""
    with httpx2.Client(base_url=url, timeout=60, headers={"Origin": ORIGIN}) as http:
        for path in tqdm(paths, desc="asking each repeated visitor once", unit="request"):
            http.get(path).raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-sessions", type=int, default=30_000)
    parser.add_argument("--visitors", type=int, default=40_000)
    parser.add_argument("--repeated", type=int, default=2_000)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="basketlift-bench-"))
    port, bare_port = free_port(), free_port()
    processes = start_basketlift(data_dir, port, ADMIN_TOKEN)
    server = processes[0]
    bare = start_bare(bare_port)
    try:
        shop = setup_shop(f"http://127.0.0.1:{port}", data_dir, args.train_sessions, args.visitors)
        url = f"http://127.0.0.1:{port}"
        every, repeated = data_dir / "paths.txt", data_dir / "repeated.txt"
        every.write_text("\n".join(shop["paths"]) + "\n")
        repeated.write_text("\n".join(shop["paths"][: args.repeated]) + "\n")
        memory_before = resident_mb(server.pid)
        new = measure(url, every, args.seconds, server.pid)
        if new["requests"] > len(shop["paths"]):
            print(f"warning: {new['requests']} requests, more than the visitors: some repeated")
        answer_all(url, shop["paths"][: args.repeated])
        again = measure(url, repeated, args.seconds, server.pid)
        memory_after = resident_mb(server.pid)
        ceiling = measure(f"http://127.0.0.1:{bare_port}", repeated, args.seconds, bare.pid)
        store = redis.Redis(unix_socket_path=str(socket_path(data_dir)))
        products = store.hlen("bl:{bench}:catalog")
        store.close()
    finally:
        stop_process(*processes)
        stop_process(bare)
    rows = [
        {"endpoint": "recommendations, new contexts", **new},
        {"endpoint": "recommendations, repeated contexts", **again},
        {"endpoint": "bare JSON", **ceiling},
    ]
    ratios = {row["endpoint"]: 100 * row["req/s"] / ceiling["req/s"] for row in rows[:2]}
    print_table(rows, f"{products} products, {args.visitors} visitors, 50 connections")
    for endpoint, ratio in ratios.items():
        print(f"{endpoint}: {ratio:.1f}% of the bare endpoint's requests/s")
    print(f"server memory {memory_before:.0f} MB before, {memory_after:.0f} MB after both runs")
    print(f"real page views repeating a recent context: {100 * shop['repeated_share']:.1f}%")
    path = save_results(
        "recommend",
        {
            "products": products,
            "visitors": args.visitors,
            "repeated_visitors": args.repeated,
            "train_sessions": args.train_sessions,
            "connections": 50,
            "seconds": args.seconds,
            "rows": rows,
            "percent_of_bare": ratios,
            "server_mb": {"before": memory_before, "after": memory_after},
            "answers_kept": ANSWERS_KEPT,
            "repeated_share": shop["repeated_share"],
        },
    )
    print(f"saved {path}")


if __name__ == "__main__":
    main()
