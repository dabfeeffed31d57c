"""Training at size: a shop's archive of millions of real events, trained from in one go.

Real sessions are replayed into the archive until it holds the events asked for: the
Diginetica views (../shared/data/diginetica, one session a visitor) and the Online Retail
invoices as orders, copy after copy, every copy re-keyed (visitor, session, event, order
and product ids get the copy's suffix, so each copy adds a catalogue with the real one's
long tail rather than making the same items ever more popular). The events are spread
over `--days` days and written through the real `Archive` a flush at a time; the last
`--hot-events` go through the real ingestor into the stream's hot window instead. Then a
fresh process trains the shop with `train_shop` and the settings of `basketlift train`,
and the table shows the seconds of each step, the process's peak resident memory and the
load of the machine (other work on it slows the run).

    python -m bench.training_at_size [--events 10000000] [--days 90] [--profile]
                                     [--folder PATH]

With `--folder` the store and archive are kept there and a later run with the same
folder trains again without building them (a few minutes at 10 million events).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import csv
import gzip
import io
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import groupby
from pathlib import Path
from typing import Any

import orjson

from bench.harness import print_table, save_results
from engine.model_store import ModelStore
from engine.training import train_shop
from tracker.archive import Archive
from tracker.archive_rows import EVENTS, RawEntry, entry_id
from tracker.batch import Batch
from tracker.client import Client
from tracker.ingest import EventIngestor, RateLimits
from tracker.schema import format_timestamp
from tracker.shops import ShopRegistry
from widget.platform.embedded import EmbeddedStore
from widget.platform.store import connect
from widget.platform.training import COMMAND_TRAINING

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
VIEWS = DATA / "diginetica" / "train.txt.gz"
ORDERS = DATA / "online-retail" / "online_retail.csv.gz"
ORIGIN = "https://shop.example"
BROWSER = Client("bench", "203.0.113.0", "Mozilla/5.0 Firefox/133.0", bot=False)
PER_ENTRY = 5  # events a stream entry (a request of the snippet)
FLUSH_EVENTS = 100_000  # the archiver's largest flush
MAX_LINES = 200  # products an Order Completed event may list


def sessions() -> list[list[str]]:
    with gzip.open(VIEWS, "rt") as lines:
        return [line.split() for line in lines if line.strip()]


def invoices() -> list[tuple[str, str, list[tuple[str, int, float]]]]:
    """(invoice, customer, lines of product, quantity, unit price) of every real sale; an
    order event lists at most MAX_LINES products, so a larger invoice keeps its first."""
    with gzip.open(ORDERS, "rt", encoding="utf-8") as source:
        rows = [
            row
            for row in csv.DictReader(source)
            if not row["InvoiceNo"].startswith("C") and int(row["Quantity"]) > 0
        ]
    return [
        (invoice, group[0]["CustomerID"] or invoice, [_line(row) for row in group[:MAX_LINES]])
        for invoice, found in groupby(rows, key=lambda row: row["InvoiceNo"])
        for group in [list(found)]
    ]


def _line(row: dict[str, str]) -> tuple[str, int, float]:
    return row["StockCode"], int(row["Quantity"]), float(row["UnitPrice"])


def _event(kind: str, copy: int, visitor: str, moment: datetime, number: int) -> dict[str, Any]:
    stamp = format_timestamp(moment)
    return {
        "event_id": str(uuid.UUID(int=copy << 96 | number, version=4)),
        "type": kind,
        "shop": "",
        "anonymous_id": f"{visitor}-{copy}",
        "session_id": f"s{visitor}-{copy}",
        "timestamp": stamp,
        "received_at": stamp,
        "bot": False,
    }


def replayed(events: int, start: datetime, span: timedelta) -> Iterator[dict[str, Any]]:
    """`events` events of copies of the real sessions and invoices, in time order."""
    views, sales = sessions(), invoices()
    per_copy = sum(map(len, views)) + len(sales)
    copies = -(-events // per_copy)
    step = span / (copies * (len(views) + len(sales)))
    made = number = 0
    for copy in range(copies):
        # An invoice after every few sessions, in the files' order.
        every = len(views) / len(sales)
        for index, items in enumerate(views):
            moment = start + step * (copy * (len(views) + len(sales)) + index)
            for click, item in enumerate(items):
                event = _event("Product Viewed", copy, f"d{index}", moment, number)
                event["timestamp"] = format_timestamp(moment + timedelta(seconds=2 * click))
                event["properties"] = {"product_id": f"{item}-{copy}"}
                event["context"] = {"page": {"url": f"{ORIGIN}/p/{item}-{copy}"}}
                yield event
                made, number = made + 1, number + 1
                if made == events:
                    return
            sold = int(index / every)
            if int((index + 1) / every) > sold and sold < len(sales):
                invoice, customer, lines = sales[sold]
                event = _event("Order Completed", copy, f"c{customer}", moment, number)
                event["properties"] = {
                    "order_id": f"{invoice}-{copy}",
                    "currency": "GBP",
                    "products": [
                        {"product_id": f"r{code}-{copy}", "quantity": quantity, "price": price}
                        for code, quantity, price in lines
                    ],
                }
                event["context"] = {"page": {"url": f"{ORIGIN}/checkout/done"}}
                yield event
                made, number = made + 1, number + 1
                if made == events:
                    return


def entries(events: Iterator[dict[str, Any]], shop: str) -> Iterator[RawEntry]:
    """Stream entries of up to PER_ENTRY events of one visitor, stamped when received."""
    sequence = 0
    last_ms = -1
    for _, group in groupby(events, key=lambda event: event["anonymous_id"]):
        found = list(group)
        for start in range(0, len(found), PER_ENTRY):
            batch = found[start : start + PER_ENTRY]
            ms = int(datetime.fromisoformat(batch[-1]["timestamp"]).timestamp() * 1000)
            sequence = sequence + 1 if ms <= last_ms else 0
            last_ms = max(ms, last_ms)
            lines = "\n".join(orjson.dumps({**event, "shop": shop}).decode() for event in batch)
            yield entry_id(last_ms, sequence), {"n": str(len(batch)), "events": lines}


async def build_shop(store: Any, archive: Archive, events: int, days: float, hot: int) -> str:
    """A shop whose archive holds `events - hot` replayed events and whose stream `hot`."""
    issued = await ShopRegistry(store).create("Training at size", (ORIGIN,))
    shop = issued.shop.id
    now = datetime.now(UTC).replace(microsecond=0)
    archived = max(events - hot, 0)
    replay = replayed(events, now - timedelta(days=days), timedelta(days=days) - timedelta(hours=1))
    buffer: list[RawEntry] = []
    held = 0
    started = time.monotonic()
    for raw in entries(_first(replay, archived), shop):
        buffer.append(raw)
        held += int(raw[1]["n"])
        if held >= FLUSH_EVENTS:
            archive.write(EVENTS, shop, buffer)
            print(f"archived {held:,} more events ({time.monotonic() - started:.0f} s)", end="\r")
            buffer, held = [], 0
    archive.write(EVENTS, shop, buffer)
    ingestor = EventIngestor(store, dead_letter_days=180, limits=RateLimits(1e9, 1e9))
    recent = [{**event, "timestamp": format_timestamp(datetime.now(UTC))} for event in replay]
    for start in range(0, len(recent), PER_ENTRY):
        found = [_sent(event) for event in recent[start : start + PER_ENTRY]]
        result = await ingestor.ingest(Batch(issued.shop.site_key, None, found), ORIGIN, BROWSER)
        assert result.accepted == len(found), result
    print()
    return shop


def _first(events: Iterator[dict[str, Any]], count: int) -> Iterator[dict[str, Any]]:
    for _, event in zip(range(count), events, strict=False):
        yield event


def _sent(event: dict[str, Any]) -> dict[str, Any]:
    keep = ("event_id", "type", "anonymous_id", "session_id", "timestamp", "properties")
    return {name: event[name] for name in keep} | {"context": event["context"]}


async def _train(url: str, shop: str, archive_dir: Path) -> dict[str, Any]:
    """Train as `basketlift train` does (saving into the store), timing each step."""
    store = await connect(url)
    marks: dict[str, float] = {}
    peaks: dict[str, float] = {}
    resident: dict[str, float] = {}
    started = time.perf_counter()

    def progress(done: int, total: int, step: str) -> None:
        marks[step] = time.perf_counter() - started
        peaks[step] = _memory_mb("VmHWM")
        resident[step] = _memory_mb("VmRSS")

    try:
        archive = Archive.open(archive_dir)
        models = ModelStore(store)
        result = await train_shop(store, shop, models, progress, COMMAND_TRAINING, archive)
    finally:
        await store.aclose()
    previous, seconds = 0.0, {}
    for step, at in marks.items():
        seconds[step] = at - previous
        previous = at
    return {"events": result.events, "items": result.items, "visitors": result.visitors,
            "sessions": result.sessions, "baskets": result.baskets, "seconds": seconds,
            "peak_mb_after": peaks, "resident_mb_after": resident,
            "total_s": result.seconds}  # fmt: skip


def _memory_mb(field: str) -> float:
    """The process's resident memory now (VmRSS) or its peak so far (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child(url: str, shop: str, archive_dir: Path, profile: bool) -> None:
    """The training process: one JSON line of results on stdout."""
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    found = asyncio.run(_train(url, shop, archive_dir))
    if profiler is not None:
        profiler.disable()
        report = io.StringIO()
        pstats.Stats(profiler, stream=report).sort_stats("cumulative").print_stats(40)
        print(report.getvalue(), file=sys.stderr)
    print(json.dumps(found))


def train_in_child(url: str, shop: str, folder: Path, profile: bool) -> dict[str, Any]:
    """Run the training in a fresh process; its results with its peak RSS and CPU time."""
    args = [sys.executable, "-m", "bench.training_at_size", "--child", url, shop, str(folder)]
    load_before = os.getloadavg()
    process = subprocess.Popen(
        [*args, *(["--profile"] if profile else [])], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"training failed ({process.returncode})")
    found: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    cpu = usage.ru_utime + usage.ru_stime
    return found | {
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "cpu_s": cpu,
        "load_before": load_before,
        "load_after": os.getloadavg(),
    }


def run(args: argparse.Namespace, folder: Path) -> None:
    with EmbeddedStore(folder / "store") as embedded:
        archive = Archive.open(folder / "archive")
        started = time.monotonic()

        async def build() -> str:
            store = await connect(embedded.url)
            try:
                return await build_shop(store, archive, args.events, args.days, args.hot_events)
            finally:
                await store.aclose()

        built = folder / "shop.txt"
        built_s: float | None = None
        if built.exists():
            shop = built.read_text()
            print(f"training the shop already built in {folder}")
        else:
            shop = asyncio.run(build())
            built.write_text(shop)
            built_s = time.monotonic() - started
        size = archive.size_bytes()
        took = "" if built_s is None else f", built in {built_s:.0f} s"
        print(f"archive: {archive.rows(EVENTS, shop):,} events, {size / 1e6:,.0f} MB{took}")
        found = train_in_child(embedded.url, shop, folder, args.profile)
    row = {
        "events": found["events"],
        "items": found["items"],
        "visitors": found["visitors"],
        **{f"{step}_s": seconds for step, seconds in found["seconds"].items()},
        "total_s": found["total_s"],
        "peak_rss_mb": found["peak_rss_mb"],
        "cpu_s": found["cpu_s"],
        "load_1min": found["load_before"][0],
    }
    print_table([row], f"training one shop from its archive ({os.cpu_count()} cores)")
    print_table([found["peak_mb_after"]], "peak resident MB after each step")
    print_table([found["resident_mb_after"]], "resident MB after each step")
    path = save_results(
        "training_at_size",
        {
            "arguments": {**vars(args), "folder": args.folder and str(args.folder)},
            "archive": {"events": args.events - args.hot_events, "bytes": size, "build_s": built_s},
            "training": found,
        },
    )
    print(f"\nsaved {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000, help="Events in all.")
    parser.add_argument("--days", type=float, default=90.0, help="Days the events span.")
    parser.add_argument(
        "--hot-events", type=int, default=20_000, help="The newest events, left in the stream."
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the training.")
    parser.add_argument(
        "--folder", type=Path, help="Keep the store and archive here; reuse them if built."
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        url, shop, folder = args.child
        child(url, shop, Path(folder) / "archive", args.profile)
        return
    if args.folder is not None:
        args.folder.mkdir(parents=True, exist_ok=True)
        run(args, args.folder)
        return
    with tempfile.TemporaryDirectory(prefix="bench-training-") as folder:
        run(args, Path(folder))


if __name__ == "__main__":
    main()
