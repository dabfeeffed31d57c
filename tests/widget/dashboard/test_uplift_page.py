"""The Uplift page for a merchant: the verdict first, the fee's formula, the empty state,
the cap in words."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.widget.conftest import log_in

OCTOBER = "/dashboard/shops/shop-a/uplift?period=2026-10"
DECEMBER = "/dashboard/shops/shop-a/uplift?period=2026-12"  # no visitor yet


def test_the_verdict_and_the_fee_formula_come_first(web: TestClient) -> None:
    log_in(web, "admin@a.example")
    page = web.get(OCTOBER).text
    main = page[page.index("<h1>Uplift</h1>") :]
    # the treated 40 visitors spent 10.25 EUR less each than the held-out 40
    assert main.index('<h2 id="verdict">No effect measured</h2>') < main.index("Period")
    assert "treatment minus holdout, is -€10.25 in 2026-10 (between -€41.17 and €20.67" in main
    assert '<p class="formula">Fee = licence €49.00 + no revenue share = €49.00</p>' in main
    assert (
        "<p>No revenue share is charged: the measured uplift is not above zero (point estimate "
        "-€410.00), no evidence yet that the recommendations added revenue.</p>"
    ) in main
    assert "<dt>Licence fee</dt><dd>€49.00</dd>" in main


def test_no_visitors_yet_is_said_instead_of_an_empty_test(web: TestClient) -> None:
    log_in(web, "admin@a.example")
    page = web.get(DECEMBER).text
    assert '<h2 id="verdict">No visitors yet</h2>' in page
    assert "chi-square" not in page and "No mismatch" not in page
    assert "No visitors yet: the split between the arms (expected holdout share" in page


def test_the_revenue_cap_is_explained_before_and_after_it_is_set(web: TestClient) -> None:
    log_in(web, "admin@a.example")
    december = " ".join(web.get(DECEMBER).text.split())
    assert (
        "Revenue per visitor is not capped yet. The cap limits how much one visitor's spending "
        "counts, so that a few very large orders cannot swing the difference between the "
        "arms, or the fee."
    ) in december
    assert "fixed once when 2026-12 is locked for invoicing after it ends" in december
    october = " ".join(web.get(OCTOBER).text.split())
    assert "Revenue per visitor is capped at €600.00: a visitor who spends more counts" in october
    assert "fixed when 2026-10 was locked for invoicing" in october


def test_both_charts_are_on_the_page_with_their_own_ids(web: TestClient) -> None:
    log_in(web, "admin@a.example")
    page = web.get(OCTOBER).text
    assert 'id="daily-revenue"' in page and 'id="cumulative-lift"' in page
    assert 'aria-labelledby="daily-revenue-title daily-revenue-desc"' in page
