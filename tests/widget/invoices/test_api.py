from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

import jsonschema_rs
import pytest
from starlette.testclient import TestClient

from billing.invoice_store import finalize, run_period
from billing.periods import Period
from tests.billing.ledger_samples import AFTER_OCTOBER, october_ledger
from tests.conftest import admin_headers
from widget.app import api_document
from widget.platform.store import connect


@pytest.fixture
def invoices(client: TestClient, shop: dict[str, Any], clean_store: str) -> TestClient:
    """Issued October invoices of test-shop and other."""

    async def issue() -> None:
        store = await connect(clean_store)
        for shop_id in ("test-shop", "other"):
            await october_ledger(store, shop_id, treated=30, holdout=30)
        await run_period(store, Period(2026, 10), AFTER_OCTOBER)
        for shop_id in ("test-shop", "other"):
            await finalize(store, shop_id, Period(2026, 10), AFTER_OCTOBER)
        await store.aclose()

    asyncio.run(issue())
    return client


def _secret(shop: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {shop['secret_key']}"}


def test_a_shop_sees_only_its_own_invoices(invoices: TestClient, shop: dict[str, Any]) -> None:
    response = invoices.get("/v1/invoices?period=2026-10", headers=_secret(shop))
    assert response.status_code == 200
    assert [d["shop"] for d in response.json()["documents"]] == ["test-shop"]
    other = invoices.get("/v1/invoices?period=2026-10&shop=other", headers=_secret(shop))
    assert other.status_code == 404
    pdf = invoices.get("/v1/invoices/other/2026-10.pdf", headers=_secret(shop))
    assert pdf.status_code == 404


def test_the_admin_sees_all_as_csv(invoices: TestClient) -> None:
    response = invoices.get("/v1/invoices?period=2026-10&format=csv", headers=admin_headers())
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["document_number"] for row in rows] == ["INV-other-000001", "INV-test-shop-000001"]


def test_a_pdf_over_http(invoices: TestClient, shop: dict[str, Any]) -> None:
    response = invoices.get("/v1/invoices/test-shop/2026-10.pdf", headers=_secret(shop))
    assert (response.status_code, response.headers["content-type"]) == (200, "application/pdf")
    assert response.content.startswith(b"%PDF-")
    missing = invoices.get(
        "/v1/invoices/test-shop/2026-10.pdf?document=credit_note", headers=_secret(shop)
    )
    assert missing.status_code == 404


def test_bad_or_missing_credentials_and_parameters(invoices: TestClient) -> None:
    assert invoices.get("/v1/invoices?period=2026-10").status_code == 401
    wrong = {"Authorization": "Bearer sk_test-shop_nope"}
    assert invoices.get("/v1/invoices?period=2026-10", headers=wrong).status_code == 401
    bad = invoices.get("/v1/invoices?period=October", headers=admin_headers())
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "period")


@pytest.mark.parametrize(
    "period", ["", "\u0662\u0660\u0662\u0666-\u0661\u0660", "2026-13", "1969-12"]
)
def test_a_period_not_a_month_is_refused_as_documented(invoices: TestClient, period: str) -> None:
    response = invoices.get("/v1/invoices", params={"period": period}, headers=admin_headers())
    assert (response.status_code, response.json()["error"]["field"]) == (422, "period")
    parameters = api_document()["paths"]["/v1/invoices"]["get"]["parameters"]
    documented = next(p["schema"] for p in parameters if p["name"] == "period")
    assert not jsonschema_rs.validator_for(documented).is_valid(period)
    assert jsonschema_rs.validator_for(documented).is_valid("2026-10")
