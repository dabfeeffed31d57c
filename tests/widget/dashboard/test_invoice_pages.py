from __future__ import annotations

import re

from starlette.testclient import TestClient

from tests.widget.conftest import log_in


def test_the_invoice_page_shows_due_date_parties_tax_and_money_per_currency(
    web: TestClient,
) -> None:
    log_in(web, "finance@a.example")
    page = web.get("/dashboard/shops/shop-a/invoices/2026-10").text
    assert "<dt>Due</dt><dd>2026-12-02 (30 days after issue)</dd>" in page
    assert (
        "<dt>Seller</dt><dd>Basketlift Ltd, 1 Example Street, London; tax id GB123456789</dd>"
        in page
    )
    assert "<dt>Buyer</dt><dd>shop-a</dd>" in page
    assert '<th scope="row">Monthly licence fee</th><td class="num">€49.00</td>' in page
    assert re.search(r'<th scope="row">Tax at 0%</th><td class="num">€0\.00</td>', page)
    assert re.search(
        r'<th scope="row">Total</th><td class="num"><strong>€[0-9,]+\.[0-9]{2}</strong>', page
    )


def test_the_invoice_list_shows_due_dates_and_formatted_totals(web: TestClient) -> None:
    log_in(web, "finance@a.example")
    page = web.get("/dashboard/shops/shop-a/invoices").text
    assert "<td>2026-12-02</td>" in page
    assert re.search(r'<td class="num">€[0-9,]+\.[0-9]{2}</td>', page)
