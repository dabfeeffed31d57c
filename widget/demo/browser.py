"""One simulated shopper's browser as the snippet drives it, and the shop's backend behind it.

Events are queued and sent to `POST /v1/events` in batches of at most ten with the shop's
site key and Origin, as the snippet sends them; the previous page's events leave before
the next page asks `GET /v1/recommendations`. The order of record goes to `POST
/v1/orders` with the shop's secret key, as the shop's backend would send it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx2
import orjson

from tracker.schema import format_timestamp
from widget.demo.retail import CURRENCY, RetailLine
from widget.demo.shop import DemoShop
from widget.demo.visits import VisitPlan

BATCH_EVENTS = 10
# Simulated shoppers' browsers, not a crawler: the server must count them.
USER_AGENT = "Mozilla/5.0 (compatible; Basketlift demo; simulated shopper)"


class ReplayError(RuntimeError):
    """The server refused a request of the replay."""


def browser_client(base_url: str) -> httpx2.AsyncClient:
    """One kept-alive connection: a pool of many costs the client more than the requests."""
    return httpx2.AsyncClient(
        base_url=base_url,
        timeout=30,
        # and the Accept-Language a browser's fetch always sends, or no exposure is recorded
        headers={"User-Agent": USER_AGENT, "Accept-Language": "en-GB,en;q=0.9"},
        limits=httpx2.Limits(max_connections=1, max_keepalive_connections=1),
    )


def answer_of(response: httpx2.Response) -> Any:
    if not response.is_success:
        request = response.request
        raise ReplayError(
            f"{request.method} {request.url.path} answered {response.status_code}: {response.text}"
        )
    return response.json()


def total_of(lines: Sequence[RetailLine]) -> Decimal:
    return sum((line.quantity * line.unit_price for line in lines), Decimal(0))


class Browser:
    """The visit of `plan` from one browser; `accepted` counts the events the server took."""

    def __init__(self, http: httpx2.AsyncClient, shop: DemoShop, plan: VisitPlan) -> None:
        self.http, self.shop, self.plan = http, shop, plan
        self.pending: list[dict[str, Any]] = []
        self.clock = datetime.now(UTC)
        self.accepted = 0

    def track(self, event_type: str, page: str, **properties: Any) -> None:
        # The client's clock, a millisecond apart, so that the session keeps its order.
        self.clock += timedelta(milliseconds=1)
        self.pending.append(
            {
                "event_id": str(uuid.uuid4()),
                "type": event_type,
                "anonymous_id": self.plan.anonymous_id,
                "session_id": self.plan.session_id,
                "timestamp": format_timestamp(self.clock),
                "properties": properties,
                "context": {"page": {"url": page, "referrer": ""}},
            }
        )

    def shown(self, page: str, arm: str, slot: dict[str, Any]) -> None:
        """`Recommendation Shown` as the widget sends it; a holdout's collapsed placeholder too."""
        extra: dict[str, Any] = {}
        if arm == "treatment":
            items = enumerate(slot["items"])
            extra["products"] = [{"product_id": i["product_id"], "position": n} for n, i in items]
        self.track(
            "Recommendation Shown", page, rec_id=slot["rec_id"], placement=slot["placement"],
            arm=arm, **extra,
        )  # fmt: skip

    async def flush(self) -> None:
        while self.pending:
            batch, self.pending = self.pending[:BATCH_EVENTS], self.pending[BATCH_EVENTS:]
            sent_at = format_timestamp(datetime.now(UTC))
            body = {"site_key": self.shop.site_key, "sent_at": sent_at, "events": batch}
            response = await self.http.post(
                "/v1/events",
                content=orjson.dumps(body),
                headers={"Content-Type": "text/plain", "Origin": self.shop.base_url},
            )
            answer = answer_of(response)
            if answer["rejected"]:
                raise ReplayError(f"events rejected: {answer['rejected']}")
            self.accepted += answer["accepted"]

    async def recommendations(self, placement: str, **query: str) -> tuple[str, dict[str, Any]]:
        """The arm and the placement's slot, for a page that shows one widget."""
        await self.flush()
        params = {
            "site_key": self.shop.site_key,
            "anonymous_id": self.plan.anonymous_id,
            "session_id": self.plan.session_id,
            "placement": placement,
        }
        response = await self.http.get(
            "/v1/recommendations", params=params | query, headers={"Origin": self.shop.base_url}
        )
        answer = answer_of(response)
        return answer["arm"], answer["recommendations"][0]

    async def checkout(self, page: str, lines: Sequence[RetailLine]) -> None:
        """Checkout and `Order Completed` in the browser, then the order of record."""
        total, order_id = total_of(lines), self.plan.order.invoice
        self.track("Checkout Started", page)
        bought = [
            {
                "product_id": line.product_id,
                "quantity": line.quantity,
                "price": float(line.unit_price),
            }
            for line in lines
        ]
        self.track(
            "Order Completed", page, order_id=order_id, products=bought, total=float(total),
            currency=CURRENCY,
        )  # fmt: skip
        await self.flush()
        body = {
            "order_id": order_id,
            "anonymous_id": self.plan.anonymous_id,
            "placed_at": datetime.now(UTC).isoformat(),
            "currency": CURRENCY,
            "lines": [
                {
                    "product_id": line.product_id,
                    "quantity": line.quantity,
                    "unit_price": str(line.unit_price),
                }
                for line in lines
            ],
            "total": str(total),
        }
        headers = {"Authorization": f"Bearer {self.shop.secret_key}"}
        answer_of(await self.http.post("/v1/orders", json=body, headers=headers))
