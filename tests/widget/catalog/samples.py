"""Real catalogue rows for the catalogue tests: the products of UCI Online Retail.

Each StockCode becomes a product (its first row with a description gives the title and
the price, in GBP); the category is made from the title's last word, the one way this
data set groups its products ("... T-LIGHT HOLDER" -> "Gifts > Holder").
"""

from __future__ import annotations

import csv
import gzip
import io
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from tests.conftest import SHARED_DATA

ONLINE_RETAIL = SHARED_DATA / "online-retail" / "online_retail.csv.gz"
FIELDS = ("product_id", "title", "url", "price", "currency", "category", "in_stock")


@cache
def online_retail(limit: int | None = 300) -> tuple[dict[str, Any], ...]:
    """The first `limit` products (all 4,070 StockCodes with None), in order of first sale."""
    products: dict[str, dict[str, Any]] = {}
    with gzip.open(ONLINE_RETAIL, "rt", encoding="utf-8", newline="") as lines:
        for row in csv.DictReader(lines):
            code, title = row["StockCode"], row["Description"].strip()
            if code in products and (products[code]["title"] or not title):
                continue
            products[code] = {
                "product_id": code,
                "title": title,
                "url": f"https://shop.example/p/{code}",
                "price": row["UnitPrice"],
                "currency": "GBP",
                "category": f"Gifts > {title.split()[-1].title()}" if title else "",
                "in_stock": True,
            }
            if (
                limit is not None
                and len(products) >= limit
                and all(p["title"] for p in products.values())
            ):
                break
    return tuple(products.values())[:limit]


def as_json(rows: Any) -> bytes:
    return orjson.dumps(list(rows))


def as_ndjson(rows: Any) -> bytes:
    return b"".join(orjson.dumps(row) + b"\n" for row in rows)


def as_csv(rows: Any, fields: tuple[str, ...] = FIELDS) -> bytes:
    text = io.StringIO()
    writer = csv.DictWriter(text, fields, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue().encode()


ENCODERS = {"json": as_json, "ndjson": as_ndjson, "csv": as_csv}
CONTENT_TYPES = {"json": "application/json", "ndjson": "application/x-ndjson", "csv": "text/csv"}


def write_file(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    return path
