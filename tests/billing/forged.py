"""A month of real traffic and a forger's, through the HTTP API and the billing consumer to
the fee, for the forged-traffic tests (issue #15).

Real visitors each come from a network of their own, with a browser's headers; they view
pages and a share of them buy (orders of record, sent with the secret key). The forger
has only the public site key and one host: new anonymous ids until it has the arm it
wants, then page views for those ids alone.
"""

from __future__ import annotations

import asyncio
import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from billing.contract_store import add_contract
from billing.contracts import Contract
from billing.day_statistics import period_statistics
from billing.fees import FeeComputation, compute_fee
from billing.periods import Period
from billing.traffic_quality import traffic_quality
from billing.uplift import SampleGates
from tests.conftest import CHROMIUM_FETCH_HEADERS, admin_headers, make_event
from widget.app import create_app
from widget.invoices.ledger import ledger_updater
from widget.platform.settings import Settings
from widget.platform.store import connect

SHOP = "forged-shop"
PEER = "x-test-peer"
FORGER = "203.0.113.9"
# What the forger of the issue sent: a browser's user agent and nothing else a browser adds.
BROWSER_AGENT_ONLY = {"User-Agent": CHROMIUM_FETCH_HEADERS["User-Agent"]}


def with_peers(app: ASGIApp) -> ASGIApp:
    """The app, with each request's client address taken from the `x-test-peer` header
    (TestClient gives every request the same one)."""

    async def peered(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == PEER.encode():
                    scope = dict(scope, client=(value.decode(), 50000))
        await app(scope, receive, send)

    return peered


def contract(today: datetime.date) -> Contract:
    return Contract(
        shop=SHOP,
        version=1,
        effective_from=today.replace(day=1),
        currency="GBP",
        revenue_share_percent=Decimal(10),
        basis="lower_bound",  # the basis the issue measured the attacks on
        holdout_share=0.1,
        gates=SampleGates(minimum_visitors_per_arm=20, minimum_converting_visitors_per_arm=5),
    )


@dataclass
class Month:
    """One shop's month, driven through `client` (an app over the `store_url`)."""

    client: TestClient
    shop: dict[str, Any]
    store_url: str
    contract: Contract

    def expose(self, visitor: str, peer: str, headers: dict[str, str]) -> str:
        query = {"site_key": self.shop["site_key"], "anonymous_id": visitor, "session_id": visitor}
        response = self.client.get(
            "/v1/recommendations",
            params=query | {"placement": "home"},
            headers=headers | {PEER: peer},
        )
        assert response.status_code == 200, response.text
        arm: str = response.json()["arm"]
        return arm

    def page_views(self, visitors: list[str], peer: str, headers: dict[str, str]) -> None:
        events = []
        for visitor in visitors:
            event = make_event("Page Viewed")
            events.append(event | {"anonymous_id": visitor, "session_id": visitor})
        for start in range(0, len(events), 100):
            body = {"site_key": self.shop["site_key"], "sent_at": _now(), "events": []}
            body["events"] = events[start : start + 100]
            response = self.client.post(
                "/v1/events",
                content=json.dumps(body),
                headers=headers | {PEER: peer, "Content-Type": "text/plain"},
            )
            assert response.json()["accepted"] == len(body["events"]), response.text

    def order(self, visitor: str, total: str) -> None:
        line = {"product_id": "p1", "quantity": 1, "unit_price": total}
        body: dict[str, Any] = {"order_id": f"o-{visitor}", "placed_at": _now()}
        body |= {"currency": "GBP", "lines": [line], "total": total, "anonymous_id": visitor}
        secret = {"Authorization": f"Bearer {self.shop['secret_key']}"}
        response = self.client.post("/v1/orders", json=body, headers=secret)
        assert response.status_code in (200, 201), response.text

    def real_visitors(self, count: int, seed: int = 15) -> None:
        """`count` visitors from networks of their own: treatment buys at 60%, the
        holdout at 35%, lognormal baskets around 40 GBP."""
        rng = np.random.default_rng(seed)
        for index in range(count):
            visitor, peer = f"real-{index}", f"100.{64 + index // 250}.{index % 250}.1"
            arm = self.expose(visitor, peer, CHROMIUM_FETCH_HEADERS)
            self.page_views([visitor], peer, CHROMIUM_FETCH_HEADERS)
            if rng.random() < (0.6 if arm == "treatment" else 0.35):
                self.order(visitor, f"{rng.lognormal(np.log(40), 0.5):.2f}")

    def forge(self, wanted_arm: str, wanted: int, headers: dict[str, str], name: str) -> int:
        """The forger's attack: new ids until `wanted` of them are in `wanted_arm` (at most
        ten times that many), then page views for those alone. The ids tried; ids are
        `name`-0, -1, ... so that a run is reproducible (the tests' holdout secret is fixed)."""
        chosen: list[str] = []
        tried = 0
        for tried in range(1, 10 * wanted + 1):
            visitor = f"{name}-{tried}"
            if self.expose(visitor, FORGER, headers) == wanted_arm:
                chosen.append(visitor)
                if len(chosen) == wanted:
                    break
        self.page_views(chosen, FORGER, {k: v for k, v in headers.items() if k != "Origin"})
        return tried

    def fee(self) -> FeeComputation:
        """The month's fee so far: the consumer applies what is waiting, then the fee with
        its traffic-quality verdict, as an invoice drafts it."""
        return asyncio.run(self._fee())

    async def _fee(self) -> FeeComputation:
        store = await connect(self.store_url)
        try:
            await ledger_updater(store, settle_ms=0, reclaim_after_ms=0).run_once(count=10_000)
            period = Period.of(self.contract.effective_from)
            statistics = await period_statistics(store, SHOP, period, "GBP", None)
            terms = self.contract
            quality = await traffic_quality(
                store, SHOP, period, statistics, terms.holdout_share, terms.gates.sample_ratio_alpha
            )
            return compute_fee(terms, statistics, quality)
        finally:
            await store.aclose()


def month_of(settings: Settings) -> Iterator[Month]:
    """A shop with its contract (10% holdout, GBP), under the default network limit."""
    today = datetime.datetime.now(datetime.UTC).date()
    terms = contract(today)
    url = settings.redis_url or ""
    asyncio.run(_add(url, terms))
    app = create_app(settings)
    with TestClient(with_peers(app)) as client:
        body = {"name": "Forged", "id": SHOP, "origins": ["https://shop.example"]}
        created = client.post("/v1/admin/shops", json=body, headers=admin_headers()).json()
        yield Month(client, created, url, terms)


async def _add(url: str, terms: Contract) -> None:
    store = await connect(url)
    await add_contract(store, terms, terms.starts_at - datetime.timedelta(days=1))
    await store.aclose()


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")[:-6] + "Z"
