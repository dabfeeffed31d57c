"""Why no revenue share, in words: one function for the invoice's PDF and the dashboard."""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from billing import SampleGates, compute_cumulative_fee, compute_fee
from billing.currency import display_money
from billing.documents import documents
from billing.invoice_pdf import render_pdf
from billing.invoice_records import period_invoices
from billing.invoice_store import create_draft
from billing.periods import Period
from billing.statement import no_share_reason
from tests.billing.ledger_samples import AFTER_OCTOBER, october_ledger
from tests.billing.samples import SMALL_GATES, contract, experiment
from tests.billing.test_statement import cumulative_terms, uplift


def euros(amount: Decimal) -> str:
    return display_money(amount, "EUR")


def evidence(fee: Any) -> dict[str, Any]:
    found: dict[str, Any] = orjson.loads(fee.to_json())
    return found


# Treated visitors buy less than held-out ones: every bound is below zero.
LESS = experiment([2000] * 900 + [0] * 8100, [2000] * 150 + [0] * 850)


def test_a_bound_below_zero_is_said_with_its_amount() -> None:
    fee = compute_fee(contract(gates=SMALL_GATES), LESS)
    assert fee.no_share_reasons == () and fee.incremental_revenue is not None
    assert no_share_reason(evidence(fee), euros) == (
        f"the lower bound of the incremental revenue is {euros(fee.incremental_revenue)}, "
        "not above zero: no evidence yet that the recommendations added revenue"
    )
    assert euros(fee.incremental_revenue).startswith("-€")


def test_the_point_basis_says_point_estimate() -> None:
    fee = compute_fee(contract(gates=SMALL_GATES, basis="point"), LESS)
    reason = no_share_reason(evidence(fee), euros)
    assert reason is not None and reason.startswith("the point estimate of the incremental ")


def test_a_cumulative_bound_no_more_than_billed_before_says_so() -> None:
    terms = cumulative_terms()
    fee = compute_cumulative_fee(terms, uplift(), Decimal("100000.00"), terms.design)
    assert fee.incremental_lower_bound is not None and fee.incremental_lower_bound > 0
    assert no_share_reason(evidence(fee), euros) == (
        f"the share of the {euros(fee.incremental_lower_bound)} bound is no more than the "
        "€100,000.00 billed before under this contract"
    )


def test_reason_codes_are_in_words_and_a_charged_share_has_no_reason() -> None:
    gated = compute_fee(contract(gates=SampleGates(minimum_visitors_per_arm=5000)), uplift())
    assert no_share_reason(evidence(gated), euros) == (
        "an arm is below the minimum number of visitors"
    )
    charged = compute_fee(contract(gates=SMALL_GATES), uplift())
    assert charged.share_fee > 0 and no_share_reason(evidence(charged), euros) is None


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
        "No share charged because the point estimate of the incremental revenue is -410.00 EUR, "
        "not above zero: no evidence yet that the recommendations added revenue"
    ) in words
