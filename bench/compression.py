"""What gzip costs a recommendations answer: the app's compression (widget.platform.
compression, Starlette's GZipMiddleware) around an endpoint that sends a fixed answer,
called in process, against the same endpoint bare. The answers are shaped as the API's,
of real Online Retail products: one placement of 8 items (the size bench/recommend.py
asks for) and four placements of 8 (a product page with every widget).

    python -m bench.compression [--calls 2000] [--repeats 7]

Prints microseconds of CPU per answer (median of the repeats) and the bytes sent, per
level; saves bench/results/compression.json.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gzip
import statistics
import time
from pathlib import Path
from typing import Any

import orjson
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message

from bench.harness import print_table, save_results
from widget.platform.compression import LEVEL, MINIMUM_BYTES

ONLINE_RETAIL = (
    Path(__file__).resolve().parents[2] / "shared/data/online-retail/online_retail.csv.gz"
)
PLACEMENTS = ("product", "basket", "home", "longtail")


def products(count: int, skip: int = 100) -> list[dict[str, str]]:
    """Distinct products of Online Retail, in order of first sale, after the first `skip`."""
    found: dict[str, dict[str, str]] = {}
    with gzip.open(ONLINE_RETAIL, "rt", encoding="utf-8", newline="") as lines:
        for row in csv.DictReader(lines):
            code, title = row["StockCode"], row["Description"].strip()
            if code not in found and title and float(row["UnitPrice"]) > 0:
                found[code] = {"product_id": code, "title": title, "price": row["UnitPrice"]}
            if len(found) == skip + count:
                break
    return list(found.values())[skip:]


def answer(placements: int, items: int) -> bytes:
    chosen = iter(products(placements * items))
    slots = []
    for placement in PLACEMENTS[:placements]:
        shown = [next(chosen) for _ in range(items)]
        slots.append(
            {
                "placement": placement,
                "rec_id": "r_0123456789abcdef0123456789abcdef",
                "items": [
                    item
                    | {
                        "url": f"https://acme.example/products/{item['product_id']}",
                        "image_url": f"https://cdn.acme.example/img/{item['product_id']}.jpg",
                        "currency": "GBP",
                        "reason": "viewed with 85123A",
                    }
                    for item in shown
                ],
            }
        )
    return orjson.dumps({"arm": "treatment", "recommendations": slots})


def endpoint(body: bytes) -> ASGIApp:
    headers = [(b"content-type", b"application/json"), (b"vary", b"Origin")]

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": list(headers)})
        await send({"type": "http.response.body", "body": body})

    return app


async def per_call(app: ASGIApp, encoding: bytes, calls: int) -> tuple[float, int]:
    """Microseconds a call, and the bytes of the body sent."""
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(b"accept-encoding", encoding)],
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request"}

    async def send(message: Message) -> None:
        sent.append(message)

    started = time.process_time()
    for _ in range(calls):
        await app(scope, receive, send)
    return 1e6 * (time.process_time() - started) / calls, len(sent[-1]["body"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rows = []
    for placements in (1, 4):
        body = answer(placements, 8)
        bare = endpoint(body)
        cases = [("bare", bare, b"gzip")]
        cases += [
            (f"level {level}", GZipMiddleware(bare, MINIMUM_BYTES, level), b"gzip")
            for level in (1, 6, 9)
        ]
        cases += [("identity asked", GZipMiddleware(bare, MINIMUM_BYTES, LEVEL), b"identity")]
        for name, app, encoding in cases:
            runs = [asyncio.run(per_call(app, encoding, args.calls)) for _ in range(args.repeats)]
            rows.append(
                {
                    "answer": f"{placements} x 8 items, {len(body):,} B",
                    "case": name,
                    "us a call": statistics.median(run[0] for run in runs),
                    "bytes sent": runs[0][1],
                }
            )
    print_table(rows, f"gzip in process, median of {args.repeats} x {args.calls} calls")
    print(f"saved {save_results('compression', {'calls': args.calls, 'rows': rows})}")


if __name__ == "__main__":
    main()
