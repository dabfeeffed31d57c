"""Each placement does its own job, on models trained from real Online Retail orders.

The shop's traffic is the first 300 invoices of UCI Online Retail: each customer views
and adds to the basket every product of an invoice, then orders it. One page asks for the
four standard placements for product 85123A with 22423 in the cart; what each placement
shows is checked against its definition, computed here from the trained arrays and the
traffic, not from the service.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from starlette.testclient import TestClient

from engine.trained import TrainedModels
from engine.training import train_shop
from tests.conftest import CHROMIUM_FETCH_HEADERS, ORIGIN, admin_headers, set_holdout_share
from tests.conftest import make_event as event
from tests.widget.catalog.samples import as_ndjson, online_retail
from tests.widget.placements.traffic import (
    SMALL_TRAINING,
    Invoice,
    first_invoices,
    most_viewed_fifth,
)
from widget.events import keys as live_keys

SHOP = "retail"
INVOICES = first_invoices(300)
PRODUCT = "85123A"  # white hanging heart T-light holder: the data's bestseller
CART = "22423"  # regency cakestand 3 tier
RETURNING = INVOICES[0].customer  # customer 17850, with 34 of these invoices
PLACEMENTS = ["product", "basket", "home", "longtail"]


def send(client: TestClient, site_key: str, invoice: Invoice, at: str) -> None:
    """The customer views and adds each product of the invoice, then orders it."""
    events = [
        event(kind, product_id=p)
        for p in invoice.products
        for kind in ("Product Viewed", "Product Added")
    ]
    lines = [{"product_id": p} for p in invoice.products]
    events.append(event("Order Completed", order_id=invoice.number, products=lines))
    for e in events:
        e.update(
            anonymous_id=RETURNING if invoice.customer == RETURNING else f"c-{invoice.customer}"
        )
        e.update(session_id=f"s-{invoice.number}", timestamp=at)
    for start in range(0, len(events), 200):
        body = {"site_key": site_key, "events": events[start : start + 200]}
        answer = client.post("/v1/events", json=body, headers=CHROMIUM_FETCH_HEADERS)
        assert answer.json()["rejected"] == [], answer.text


def invoices_holding() -> Counter[str]:
    return Counter(p for invoice in INVOICES for p in invoice.products)


def wait_for(done: Any, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.2)


@pytest.fixture
def retail(client: TestClient) -> TrainedModels:
    """The shop with its traffic applied to the live state and its models served."""
    created = client.post(
        "/v1/admin/shops",
        json={"name": "Retail", "id": SHOP, "origins": [ORIGIN]},
        headers=admin_headers(),
    ).json()
    sold = invoices_holding()
    catalogue = [row for row in online_retail(1806) if row["product_id"] in sold]
    assert len(catalogue) == len(sold) == 1415
    upload = client.put(
        "/v1/catalog",
        content=as_ndjson(catalogue),
        headers={
            "Authorization": f"Bearer {created['secret_key']}",
            "Content-Type": "application/x-ndjson",
        },
    )
    assert upload.status_code == 200, upload.text
    set_holdout_share(client, SHOP, 0.01)
    now = datetime.now(UTC)
    for invoice in INVOICES:
        send(client, created["site_key"], invoice, now.isoformat())
    services: Any = client.app.state.services  # type: ignore[attr-defined]
    portal: Any = client.portal
    views = live_keys.daily_views(SHOP, now.strftime("%Y%m%d"))
    # A view and an add of each product once per invoice: 1 + 3 of interest an invoice.
    interest = {p: 4.0 * n for p, n in sold.items()}
    wait_for(
        lambda: dict(portal.call(services.redis.zrange, views, 0, -1, False, True)) == interest,
        "the live state",
    )
    portal.call(lambda: train_shop(services.redis, SHOP, services.models, settings=SMALL_TRAINING))
    version = portal.call(services.models.current_version, SHOP)
    trained = TrainedModels.from_artifact(portal.call(services.models.load, SHOP, version))
    served = portal.call(client.app.state.serving.models.reload, SHOP)  # type: ignore[attr-defined]
    assert served.version == version
    site_key = created["site_key"]
    client.site_key = site_key  # type: ignore[attr-defined]
    return trained


def page(
    client: TestClient, site_key: str, visitor: str, cart: str = CART
) -> dict[str, list[dict[str, Any]]]:
    query = {
        "site_key": site_key,
        "anonymous_id": visitor,
        "session_id": f"page-of-{visitor}",
        "placement": PLACEMENTS,
        "product_id": PRODUCT,
        "cart": cart,
    }
    answer = client.get("/v1/recommendations", params=query, headers=CHROMIUM_FETCH_HEADERS).json()
    return {slot["placement"]: slot["items"] for slot in answer["recommendations"]}


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["product_id"] for item in items]


def shown_on_page(
    client: TestClient, visitor: str = "new", cart: str = CART
) -> dict[str, list[str]]:
    found = page(client, client.site_key, visitor, cart)  # type: ignore[attr-defined]
    return {name: ids(items) for name, items in found.items()}


def reasons(client: TestClient, placement: str, visitor: str = "new") -> set[str]:
    found = page(client, client.site_key, visitor)  # type: ignore[attr-defined]
    return {item["reason"] for item in found[placement]}


def ranked(scores: Any, names: Any, leave_out: set[str], n: int = 8) -> list[str]:
    """The `n` best of `scores` (n_items,) by name, best first, ties to the first index."""
    order = np.lexsort((np.arange(len(scores)), -np.asarray(scores)))
    return [names[i] for i in order if scores[i] > 0 and names[i] not in leave_out][:n]


def viewed_with(product: str) -> set[str]:
    """The products of the invoices (sessions) that hold `product`."""
    return {p for invoice in INVOICES if product in invoice.products for p in invoice.products}


def test_basket_shows_what_is_bought_together_with_the_cart(
    client: TestClient, retail: TrainedModels
) -> None:
    names = retail.item_ids.names
    cart_row = retail.basket.associations.getrow(retail.item_ids.known([CART])[0]).toarray()[0]
    shown = shown_on_page(client)
    assert shown["basket"] == ranked(cart_row, names, {PRODUCT, CART})
    assert reasons(client, "basket") == {f"bought together with {CART}"}
    assert shown["basket"] != shown["product"]


def test_an_empty_cart_has_no_complements(client: TestClient, retail: TrainedModels) -> None:
    shown = shown_on_page(client, cart="")
    assert shown["basket"] == []
    assert all(len(shown[name]) == 8 for name in ("product", "home", "longtail"))


def test_product_shows_what_sessions_viewed_with_it(
    client: TestClient, retail: TrainedModels
) -> None:
    shown = shown_on_page(client)
    assert len(shown["product"]) == 8 and set(shown["product"]) <= viewed_with(PRODUCT)
    assert reasons(client, "product") == {f"viewed with {PRODUCT}"}


def test_long_tail_shows_only_the_tail_and_nothing_else_the_page_shows(
    client: TestClient, retail: TrainedModels
) -> None:
    head = set(most_viewed_fifth(invoices_holding()))
    shown = shown_on_page(client)
    longtail = shown.pop("longtail")
    assert len(longtail) == 8 and not head & set(longtail)
    assert head & set(shown["product"]), "the product list is mostly the head"
    assert not set(longtail) & {p for items in shown.values() for p in items}
    assert set(longtail) <= viewed_with(PRODUCT)
    assert reasons(client, "longtail") == {f"less known, viewed with {PRODUCT}"}


def test_home_is_the_visitors_taste_or_trending_for_a_new_visitor(
    client: TestClient, retail: TrainedModels
) -> None:
    interest = {p: 4 * n for p, n in invoices_holding().items()}
    # Trending ties in the store's order: the larger id first.
    trending = sorted(interest, key=lambda p: (interest[p], p), reverse=True)
    new = shown_on_page(client)["home"]
    assert new == [p for p in trending if p not in {PRODUCT, CART}][:8]
    assert reasons(client, "home") == {"trending"}
    visitor = retail.visitor_ids.known([RETURNING])[0]
    taste = retail.als.user_factors[visitor] @ retail.als.item_factors.T
    bought = {p for invoice in INVOICES if invoice.customer == RETURNING for p in invoice.products}
    returning = shown_on_page(client, RETURNING)["home"]
    assert returning == ranked(
        taste - taste.min() + 1, retail.item_ids.names, {PRODUCT, CART} | bought
    )
    assert reasons(client, "home", RETURNING) == {"you might also like"}
