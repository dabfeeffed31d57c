"""Visits replayed through the real HTTP API, each in a simulated browser (`browser`).

Per visit: the landing page shows the `home` widget (its request is the exposure that fixes
the arm); then each step of the plan is a product page; the basket page shows the `basket`
widget with the cart; a treatment visitor who `adds_recommendation` clicks one of its
items and adds it; the visit ends in the order. Holdout visitors see no widget (their
placeholders collapse) and add nothing.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from widget.demo.browser import Browser, browser_client
from widget.demo.catalogue import product_url
from widget.demo.retail import CURRENCY, RetailProduct
from widget.demo.shop import DemoShop
from widget.demo.visits import VisitPlan, final_lines, recommended_add

CONCURRENT_VISITS = 96


@dataclass
class ReplayCounts:
    visits: int = 0
    events: int = 0
    orders: int = 0
    arms: Counter[str] = field(default_factory=Counter)
    recommended_adds: int = 0
    added_revenue: Decimal = Decimal(0)

    def __add__(self, other: ReplayCounts) -> ReplayCounts:
        return ReplayCounts(
            self.visits + other.visits,
            self.events + other.events,
            self.orders + other.orders,
            self.arms + other.arms,
            self.recommended_adds + other.recommended_adds,
            self.added_revenue + other.added_revenue,
        )


class Replay:
    """Replays visit plans against the demo shop's server."""

    def __init__(self, shop: DemoShop, products: Mapping[str, RetailProduct]) -> None:
        self.shop, self.products = shop, products
        self.urls = {
            product: product_url(shop.base_url, shop.site_key, found)
            for product, found in products.items()
        }
        self.counts = ReplayCounts()

    def product_event(
        self, browser: Browser, event_type: str, product_id: str, **quantity: int
    ) -> None:
        price = float(self.products[product_id].price)
        browser.track(
            event_type, self.urls[product_id], product_id=product_id, price=price,
            currency=CURRENCY, **quantity,
        )  # fmt: skip

    async def visit(self, browser: Browser) -> None:
        plan, shop = browser.plan, self.shop
        landing = f"{shop.base_url}/demo/?site_key={shop.site_key}"
        arm, slot = await browser.recommendations("home")
        browser.track("Page Viewed", landing)
        browser.shown(landing, arm, slot)
        for step in plan.steps:
            quantity = {"quantity": step.quantity} if step.type == "Product Added" else {}
            self.product_event(browser, step.type, step.product_id, **quantity)
        cart = ",".join(plan.order.product_ids())
        _, slot = await browser.recommendations("basket", cart=cart)
        basket = f"{landing}&cart={cart}"
        browser.track("Cart Viewed", basket)
        browser.shown(basket, arm, slot)
        offered = [item["product_id"] for item in slot["items"]]
        added = recommended_add(plan, arm, offered)
        lines = final_lines(plan, added, self.products)
        if added is not None:
            browser.track(
                "Recommendation Clicked", basket, rec_id=slot["rec_id"], placement="basket",
                product_id=added, position=offered.index(added), arm=arm,
            )  # fmt: skip
            self.product_event(browser, "Product Viewed", added)
            self.product_event(browser, "Product Added", added, quantity=lines[-1].quantity)
            self.counts.recommended_adds += 1
            self.counts.added_revenue += lines[-1].quantity * lines[-1].unit_price
        await browser.checkout(basket, lines)
        self.counts.visits += 1
        self.counts.orders += 1
        self.counts.events += browser.accepted
        self.counts.arms[arm] += 1

    async def run(
        self,
        plans: Sequence[VisitPlan],
        progress: Callable[[], object],
        concurrency: int = CONCURRENT_VISITS,
    ) -> ReplayCounts:
        """Replay every plan, `concurrency` browsers at a time, oldest orders first."""
        queue: Iterator[VisitPlan] = iter(plans)

        async def worker() -> None:
            async with browser_client(self.shop.base_url) as http:
                for plan in queue:
                    await self.visit(Browser(http, self.shop, plan))
                    progress()

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return self.counts
