"""Real samples for the engine's tests: the first invoices of Online Retail, OTTO sessions."""

from __future__ import annotations

import gzip
import uuid
from datetime import UTC, datetime
from itertools import groupby, islice
from pathlib import Path
from typing import Any

import orjson

from engine.orders import OrderLines

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
ONLINE_RETAIL = DATA / "online-retail" / "online_retail.csv.gz"
OTTO = DATA / "otto-sample" / "train_20_sessions.jsonl"
_OTTO_TYPES = {"clicks": "Product Viewed", "carts": "Product Added", "orders": "Order Completed"}


def online_retail_text(lines: int) -> str:
    """The header and the first `lines` order lines of the real file (in time order)."""
    with gzip.open(ONLINE_RETAIL, "rt", encoding="utf-8") as source:
        return "".join(islice(source, lines + 1))


def online_retail(lines: int) -> OrderLines:
    return OrderLines.from_text(online_retail_text(lines))


def otto_events() -> list[dict[str, Any]]:
    """The OTTO sessions as tracker events: clicks are views, carts are adds to cart, and
    the orders of one session at one moment are one Order Completed."""
    events = []
    for line in OTTO.read_text().splitlines():
        session = orjson.loads(line)
        visitor = f"otto-{session['session']}"
        for (ts, kind), group in groupby(session["events"], lambda e: (e["ts"], e["type"])):
            products = [str(e["aid"]) for e in group]
            base = {
                "anonymous_id": visitor,
                "session_id": visitor,
                "timestamp": datetime.fromtimestamp(ts / 1000, UTC).isoformat(),
                "type": _OTTO_TYPES[kind],
            }
            if kind == "orders":
                order = {"order_id": f"{visitor}-{ts}", "products": _ids(products)}
                events.append({**base, "event_id": _uuid(visitor, ts, kind), "properties": order})
                continue
            events += [
                {**base, "event_id": _uuid(visitor, ts, kind, i), "properties": {"product_id": p}}
                for i, p in enumerate(products)
            ]
    return events


def _ids(products: list[str]) -> list[dict[str, str]]:
    return [{"product_id": p} for p in products]


def _uuid(*parts: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(map(str, parts))))
