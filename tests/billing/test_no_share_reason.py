"""Why no revenue share, in words: one function for the invoice, its PDF and CSV and the
dashboard (the gates and a bound below zero are in test_statement)."""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from billing import compute_cumulative_fee
from billing.currency import format_money
from billing.documents import documents
from billing.invoice_pdf import render_pdf
from billing.invoice_records import period_invoices
from billing.invoice_store import create_draft
from billing.periods import Period
from billing.statement import evidence_no_share_reason, fee_no_share_reason, no_share_reason
from tests.billing.ledger_samples import AFTER_OCTOBER, october_ledger
from tests.billing.test_statement import cumulative_terms, uplift


def test_a_cumulative_bound_no_more_than_billed_before_says_so() -> None:
    terms = cumulative_terms()
    fee = compute_cumulative_fee(terms, uplift(), Decimal("100000.00"), terms.design)
    assert fee.incremental_lower_bound is not None and fee.incremental_lower_bound > 0
    bound = format_money(fee.incremental_lower_bound, "EUR")
    assert fee_no_share_reason(fee) == (
        f"no revenue share is charged: the share of the {bound} bound is no more than the "
        "€100,000.00 billed before under this contract"
    )
    stored: dict[str, Any] = orjson.loads(fee.to_json())
    assert evidence_no_share_reason(stored) == fee_no_share_reason(fee)


def test_a_share_rounded_to_nothing_says_so_with_the_amount() -> None:
    assert no_share_reason((), Decimal("0.02"), Decimal(0), None, "EUR", "lower_bound") == (
        "no revenue share is charged: the contract's share of the €0.02 of incremental revenue "
        "rounds to nothing"
    )


@pytest.mark.anyio
async def test_the_pdf_says_why_no_share_when_the_bound_is_below_zero(
    store: Any, tmp_path: Path
) -> None:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: apt-get install -y poppler-utils")
    # 40 visitors an arm: the held-out ones spend 10.25 EUR more each (point basis)
    await october_ledger(store, "a", treated=40, holdout=40)
    await create_draft(store, "a", Period(2026, 10), AFTER_OCTOBER)
    [document] = documents(await period_invoices(store, Period(2026, 10)))
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(render_pdf(document))
    text = subprocess.run(
        ["pdftotext", pdf, "-"], check=True, capture_output=True, text=True
    ).stdout
    words = " ".join(text.split())
    assert (
        "This month's share No revenue share is charged: the measured uplift is not above zero "
        "(point estimate -€410.00), no evidence yet that the recommendations added revenue"
    ) in words
