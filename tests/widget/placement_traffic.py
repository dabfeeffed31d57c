"""Real traffic for the placement rollup's tests: the first invoices of UCI Online Retail.

Each invoice is an order of record of its customer (the CustomerID is the visitor) with
its real lines, quantities and prices in GBP; its products are what the widgets showed
and what the visitor clicked. Events go through the real ingestor (with the time of
receipt chosen) and orders through the real order store.
"""

from __future__ import annotations

import csv
import gzip
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from tests.conftest import ORIGIN, SHARED_DATA, make_event
from tracker.batch import Batch
from tracker.client import Client
from tracker.ingest import EventIngestor, RateLimits
from tracker.schema import format_timestamp
from tracker.shops import ShopRegistry
from widget.order_rows import parse_order
from widget.orders_store import OrderStore

ONLINE_RETAIL = SHARED_DATA / "online-retail" / "online_retail.csv.gz"
BROWSER = Client("browser", None, "Mozilla/5.0 Firefox/133.0", bot=False)
ROBOT = Client("robot", None, "Googlebot/2.1", bot=True)
# A Wednesday in October 2026: no contract, so days are UTC and the period is 2026-10.
MORNING = datetime(2026, 10, 14, 9, tzinfo=UTC)


@dataclass(frozen=True)
class Invoice:
    number: str
    customer: str
    lines: tuple[tuple[str, int, str], ...]  # (StockCode, Quantity, UnitPrice)

    @property
    def products(self) -> list[str]:
        return list(dict.fromkeys(code for code, _, _ in self.lines))


@cache
def first_invoices(count: int) -> tuple[Invoice, ...]:
    """The first `count` invoices with a customer, cancellations left out, in file order."""
    with gzip.open(ONLINE_RETAIL, "rt", encoding="utf-8", newline="") as source:
        rows = (r for r in csv.DictReader(source) if r["CustomerID"] and r["InvoiceNo"][0] != "C")
        grouped = itertools.groupby(rows, lambda row: row["InvoiceNo"])
        return tuple(
            Invoice(
                number,
                lines[0]["CustomerID"],
                tuple((r["StockCode"], int(r["Quantity"]), r["UnitPrice"]) for r in lines),
            )
            for number, lines in (
                (number, list(group)) for number, group in itertools.islice(grouped, count)
            )
        )


def shown(placement: str, products: list[str], arm: str = "treatment") -> dict[str, Any]:
    """What the widget sends once a placement has been seen; a holdout's lists no products."""
    properties: dict[str, Any] = {"rec_id": f"r-{placement}", "placement": placement, "arm": arm}
    if products:
        properties["products"] = [{"product_id": p, "position": i} for i, p in enumerate(products)]
    return make_event("Recommendation Shown", **properties)


def clicked(placement: str, product: str) -> dict[str, Any]:
    properties = {"rec_id": f"r-{placement}", "placement": placement, "product_id": product}
    return make_event("Recommendation Clicked", **properties, position=0, arm="treatment")


@dataclass
class ShopTraffic:
    """A shop in the store and the traffic sent to it."""

    store: Any
    shop: str
    site_key: str

    @classmethod
    async def create(cls, store: Any, shop: str) -> ShopTraffic:
        issued = await ShopRegistry(store).create(shop.title(), (ORIGIN,), shop)
        return cls(store, shop, issued.shop.site_key)

    async def send(
        self, visitor: str, at: datetime, *events: dict[str, Any], client: Client = BROWSER
    ) -> None:
        """Events of `visitor` received at `at`, as one batch."""
        for event in events:
            event.update(anonymous_id=visitor, session_id=f"s-{visitor}")
        ingestor = EventIngestor(self.store, 180, RateLimits(1e6, 1e6))
        result = await ingestor.ingest(Batch(self.site_key, None, list(events)), ORIGIN, client, at)
        assert result.accepted == len(events), result

    async def order(
        self, invoice: Invoice, placed_at: datetime, visitor: str | None = None
    ) -> None:
        """The invoice as an order of record of its customer (or `visitor`)."""
        lines = [{"product_id": c, "quantity": q, "unit_price": p} for c, q, p in invoice.lines]
        body = {
            "order_id": invoice.number,
            "anonymous_id": visitor or invoice.customer,
            "placed_at": format_timestamp(placed_at),
            "currency": "GBP",
            "lines": lines,
            "total": str(sum(q * Decimal(p) for _, q, p in invoice.lines)),
        }
        order = parse_order(body, placed_at + timedelta(hours=1))
        assert await OrderStore(self.store).record_order(self.shop, order)
