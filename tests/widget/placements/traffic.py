"""Real traffic for the placement rollup's tests: the first invoices of UCI Online Retail.

Each invoice is an order of record of its customer (the CustomerID is the visitor) with
its real lines, quantities and prices in GBP; its products are what the widgets showed
and what the visitor clicked. Events go through the real ingestor (with the time of
receipt chosen) and orders through the real order store; `RolledUpTraffic` hands the
same records straight to a rollup instead, for pages that must see no recent arrival.
"""

from __future__ import annotations

import csv
import gzip
import itertools
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any, Self
from urllib.parse import quote

import orjson

from billing.order_log import OrderLogEntry
from engine.training import TrainingSettings
from tests.conftest import ORIGIN, SHARED_DATA, make_event
from tests.widget.catalog.samples import as_json, online_retail
from tracker.batch import Batch
from tracker.client import Client
from tracker.ingest import EventIngestor, RateLimits
from tracker.reader import StreamEntry
from tracker.schema import Event, format_timestamp, validate_event
from tracker.shops import ShopRegistry
from widget.catalog import CatalogStore
from widget.orders.rows import Order, parse_order
from widget.orders.store import OrderStore
from widget.placements.rollup import PlacementRollup

ONLINE_RETAIL = SHARED_DATA / "online-retail" / "online_retail.csv.gz"
BROWSER = Client("browser", None, "Mozilla/5.0 Firefox/133.0", bot=False)
ROBOT = Client("robot", None, "Googlebot/2.1", bot=True)
SMALL_TRAINING = TrainingSettings(factors=8, als_iterations=2, bpr_iterations=5)
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
    async def create(cls, store: Any, shop: str) -> Self:
        issued = await ShopRegistry(store).create(shop.title(), (ORIGIN,), shop)
        return cls(store, shop, issued.shop.site_key)

    @classmethod
    async def of(cls, store: Any, shop: str) -> Self:
        """Traffic to a shop that exists already."""
        return cls(store, shop, (await ShopRegistry(store).get(shop)).site_key)

    async def send(
        self, visitor: str, at: datetime, *events: dict[str, Any], client: Client = BROWSER
    ) -> None:
        """Events of `visitor` received at `at`, as one batch."""
        for event in events:
            # Sent as they happen: an event is never ahead of its receipt.
            event.update(
                anonymous_id=visitor, session_id=f"s-{visitor}", timestamp=format_timestamp(at)
            )
        ingestor = EventIngestor(self.store, 180, RateLimits(1e6, 1e6))
        result = await ingestor.ingest(Batch(self.site_key, None, list(events)), ORIGIN, client, at)
        assert result.accepted == len(events), result

    async def catalogue(self, limit: int | None = 300) -> None:
        """The shop's catalogue: the first `limit` Online Retail products (None: all 4,070,
        the code as the title of the 112 without one, "BANK CHARGES" with its URL quoted)."""
        rows = [
            row | {"title": row["title"] or row["product_id"], "url": quote(row["url"], safe=":/")}
            for row in online_retail(limit)
        ]

        async def body() -> AsyncIterator[bytes]:
            yield as_json(rows)

        await CatalogStore(self.store, self.shop).import_upload(body(), "json")

    async def order(
        self, invoice: Invoice, placed_at: datetime, visitor: str | None = None
    ) -> None:
        """The invoice as an order of record of its customer (or `visitor`)."""
        order = as_order(invoice, placed_at, visitor)
        assert await OrderStore(self.store).record_order(self.shop, order)


class RolledUpTraffic(ShopTraffic):
    """The same traffic handed straight to a rollup, as its streams would: nothing is left
    in the streams, so pages about recent arrivals stay as they were."""

    async def send(
        self, visitor: str, at: datetime, *events: dict[str, Any], client: Client = BROWSER
    ) -> None:
        stored = [
            validate_event(event | {"anonymous_id": visitor, "session_id": f"s-{visitor}"})
            | {"shop": self.shop, "received_at": format_timestamp(at), "bot": client.bot}
            for event in events
        ]
        entry = StreamEntry("0-1", tuple(Event.from_payload(orjson.dumps(e)) for e in stored))
        await PlacementRollup(self.store).apply_events(self.shop, [entry])

    async def order(
        self, invoice: Invoice, placed_at: datetime, visitor: str | None = None
    ) -> None:
        body = as_order(invoice, placed_at, visitor).to_json().decode()
        await PlacementRollup(self.store).apply_orders(
            self.shop, [OrderLogEntry("0-1", "order", body)]
        )


def as_order(invoice: Invoice, placed_at: datetime, visitor: str | None = None) -> Order:
    """The invoice as an order of record of its customer (or `visitor`), in GBP."""
    lines = [{"product_id": c, "quantity": q, "unit_price": p} for c, q, p in invoice.lines]
    body = {
        "order_id": invoice.number,
        "anonymous_id": visitor or invoice.customer,
        "placed_at": format_timestamp(placed_at),
        "currency": "GBP",
        "lines": lines,
        "total": str(sum(q * Decimal(p) for _, q, p in invoice.lines)),
    }
    return parse_order(body, placed_at + timedelta(hours=1))


async def widget_traffic(traffic: ShopTraffic) -> None:
    """Two placements seen and clicked by customer 17850 before their invoice 536365; a
    holdout visitor's report; a bot's impression and click before invoice 536367; the
    shop's catalogue lists every product named."""
    await traffic.catalogue()
    first, _, second = first_invoices(3)
    minute = timedelta(minutes=1)
    visitor, products = first.customer, first.products
    await traffic.send(
        visitor, MORNING, shown("product", products[:4]), shown("basket", products[3:])
    )
    await traffic.send(
        visitor, MORNING + minute, clicked("product", "85123A"), clicked("basket", "84029G")
    )
    await traffic.send(visitor, MORNING + 2 * minute, clicked("product", "84029G"))
    await traffic.send(visitor, MORNING + 3 * minute, clicked("basket", "22633"))  # not bought
    await traffic.send(second.customer, MORNING, shown("product", [], arm="holdout"))
    bot_events = (shown("home", second.products[:4]), clicked("home", "84879"))
    await traffic.send(second.customer, MORNING, *bot_events, client=ROBOT)
    await traffic.order(first, MORNING + 60 * minute)
    await traffic.order(second, MORNING + 60 * minute)


async def invoice_views(traffic: ShopTraffic, count: int) -> Counter[str]:
    """Each of the first `count` invoices' products viewed by its customer; the views."""
    views: Counter[str] = Counter()
    for invoice in first_invoices(count):
        products = [code for code, _, _ in invoice.lines]
        views.update(products)
        await traffic.send(invoice.customer, MORNING, *(make_event(product_id=p) for p in products))
    return views


def most_viewed_fifth(views: Counter[str]) -> list[str]:
    """The head as the engine defines it, counted independently: the 20% most viewed,
    ties to the smaller id (the models index ids in sorted order)."""
    ranked = sorted(views, key=lambda product: (-views[product], product))
    return ranked[: round(0.2 * len(ranked))]
