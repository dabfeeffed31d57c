"""Billing ledger benchmark: how fast the `billing` consumer group takes in events.

Real diginetica test sessions become visitors (one exposure each, 80% treatment) whose
product views are ingested through the tracker into the embedded store, in batches of 10;
then the ledger consumer drains the stream, once sending each batch's script calls one
at a time and once `CONCURRENT_CALLS` at a time (each run on an emptied store).

    python -m bench.ledger [--events 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from bench.harness import print_table, save_results
from billing import consumer
from billing.holdout import record_exposure
from engine.files import read_session_lines
from tracker.batch import Batch
from tracker.client import Client
from tracker.ingest import EventIngestor, RateLimits
from tracker.shops import ShopRegistry
from widget.invoices.ledger import ledger_updater
from widget.platform.embedded import EmbeddedStore
from widget.platform.store import connect

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "diginetica"
ORIGIN = "https://shop.example"
BROWSER = Client("bench", None, "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0", bot=False)


def views(count: int) -> list[dict[str, Any]]:
    """`count` Product Viewed events of real test sessions, a visitor per session."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    raw = read_session_lines(DATA / "test.txt.gz")
    visitor_of_view = np.repeat(np.arange(len(raw.lengths)), raw.lengths)
    return [
        {
            "event_id": str(uuid.uuid4()),
            "type": "Product Viewed",
            "anonymous_id": f"visitor-{number}",
            "session_id": f"session-{number}",
            "timestamp": now,
            "properties": {"product_id": str(product)},
            "context": {"page": {"url": f"{ORIGIN}/p/{product}", "referrer": ""}},
        }
        for number, product in zip(visitor_of_view[:count], raw.tokens[:count], strict=True)
    ]


async def drain(url: str, events: list[dict[str, Any]], calls: int) -> dict[str, Any]:
    consumer.CONCURRENT_CALLS = calls
    store = await connect(url)
    try:
        await store.flushall()
        shop = (await ShopRegistry(store).create("Bench", (ORIGIN,))).shop
        exposed_at = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1)
        for visitor in sorted({e["anonymous_id"] for e in events}):
            holdout = int(visitor.rsplit("-", 1)[1]) % 5 == 0
            await record_exposure(
                store, shop.id, visitor, "holdout" if holdout else "treatment", exposed_at
            )
        ingestor = EventIngestor(store, 180, RateLimits(1e9, 1e9))
        for start in range(0, len(events), 10):
            batch = Batch(shop.site_key, None, events[start : start + 10])
            await ingestor.ingest(batch, ORIGIN, BROWSER)
        updater = ledger_updater(store, settle_ms=0)
        started = time.perf_counter()
        entries = 0
        while found := await updater.run_once():
            entries += found
        seconds = time.perf_counter() - started
    finally:
        await store.aclose()
    return {
        "concurrent calls": calls,
        "events": len(events),
        "stream entries": entries,
        "seconds": round(seconds, 2),
        "events/s": round(len(events) / seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000, help="Events to take in.")
    args = parser.parse_args()
    events = views(args.events)
    with tempfile.TemporaryDirectory(prefix="basketlift-bench-") as folder:
        with EmbeddedStore(Path(folder)) as embedded:
            url = embedded.start()
            rows = [
                asyncio.run(drain(url, events, calls)) for calls in (1, consumer.CONCURRENT_CALLS)
            ]
    print_table(rows, "Billing ledger consumer, one process")
    print(f"saved {save_results('ledger', {'rows': rows})}")


if __name__ == "__main__":
    main()
