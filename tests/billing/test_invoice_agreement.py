"""The PDF, the CSV and the JSON of the same documents agree to the cent, and say the due
date, the tax (reverse charge included), the parties and the payment details."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from billing.documents import Document, documents
from billing.exports import to_csv, to_json
from billing.invoice_pdf import render_pdf
from billing.invoice_records import period_invoices
from billing.invoice_store import create_draft, finalize, void
from billing.parties import Party, set_buyer, set_seller
from billing.periods import Period
from tests.billing.ledger_samples import AFTER_OCTOBER, october_ledger

pytestmark = pytest.mark.anyio
OCTOBER = Period(2026, 10)
SELLER = Party.of(
    "Basketlift Ltd",
    ("1 Example Street", "London EC1A 1BB"),
    tax_id="GB123456789",
    country="GB",
    iban="GB82 WEST 1234 5698 7654 32",
    bic="NWBKGB2L",
)
BUYERS = {
    "zero": Party("Zero Ltd", ("2 High Street", "Leeds"), "GB987654321", "GB"),
    "capped": Party("Capped Ltd", ("3 Low Road", "York"), "GB111222333", "GB"),
    "reverse": Party("Rückwärts GmbH", ("Hauptstraße 1", "Köln"), "DE123456789", "DE"),
    "yen": Party("Yen Trading Ltd", ("4 Mill Lane", "Bristol"), "GB444555666", "GB"),
}
TERMS: dict[str, dict[str, Any]] = {
    # the lower bound of 60 visitors an arm is below zero: no share, no licence
    "zero": {"currency": "GBP", "basis": "lower_bound", "monthly_licence_fee": Decimal(0)},
    "capped": {"currency": "GBP", "fee_cap": Decimal("5.00"), "tax_rate_percent": Decimal(20)},
    "reverse": {"tax_rate_percent": Decimal(19), "payment_terms_days": 14},
    "yen": {
        "currency": "JPY", "monthly_licence_fee": Decimal(4900),
        "tax_rate_percent": Decimal("10"),
    },
}  # fmt: skip
NAMES = ("zero", "capped", "note", "reverse", "yen")
MONEY = re.compile(r"(-?)(?:[£€¥$]|[A-Z]{3} )([0-9][0-9,]*(?:\.[0-9]+)?)")


def _amount(text: str) -> Decimal:
    found = MONEY.search(text)
    assert found is not None, text
    return Decimal(found.group(1) + found.group(2).replace(",", ""))


async def _issued(store: Any) -> dict[str, Document]:
    """Four shops' invoices issued, the capped one voided by a credit note ("note")."""
    await set_seller(store, SELLER)
    for shop, terms in TERMS.items():
        await october_ledger(store, shop, treated=60, holdout=60, **terms)
        await set_seller(store, SELLER)  # october_ledger sets its own
        await set_buyer(store, shop, BUYERS[shop])
        await create_draft(store, shop, OCTOBER, AFTER_OCTOBER)
        await finalize(store, shop, OCTOBER, AFTER_OCTOBER)
    await void(store, "capped", OCTOBER, "wrong buyer", AFTER_OCTOBER)
    found = documents(await period_invoices(store, OCTOBER))
    return {"note" if d.kind == "credit_note" else d.shop: d for d in found}


def _pdf_text(document: Document, folder: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: apt-get install -y poppler-utils")
    pdf = folder / f"{document.number}.pdf"
    pdf.write_bytes(render_pdf(document))
    return subprocess.run(
        ["pdftotext", "-layout", pdf, "-"], check=True, capture_output=True, text=True
    ).stdout


def _pdf_figures(text: str) -> dict[str, Any]:
    """Net total, tax, total and due date as the PDF prints them."""
    lines = text.splitlines()

    def row(label: str | tuple[str, ...]) -> str:
        return next(line for line in lines if line.strip().startswith(label))

    total = next(line for line in lines if line.strip().startswith(("Total due", "Total credited")))
    due = re.search(r"Total due by (\d{4}-\d{2}-\d{2})", total)
    return {
        "net_total": _amount(row("Net total")),
        "tax": _amount(row(("Tax at", "Tax: reverse charge"))),
        "total": _amount(total.split(":", 1)[1]),
        "due_date": due.group(1) if due else None,
    }


async def test_pdf_csv_and_json_agree_to_the_cent(store: Any, tmp_path: Path) -> None:
    found = list((await _issued(store)).values())
    assert sorted(d.number or "" for d in found) == [
        "CN-capped-000001", "INV-capped-000001", "INV-reverse-000001", "INV-yen-000001",
        "INV-zero-000001",
    ]  # fmt: skip
    rows = {row["document_number"]: row for row in csv.DictReader(io.StringIO(to_csv(found)))}
    body = {d["number"]: d for d in json.loads(to_json(found))["documents"]}
    for document in found:
        number = document.number
        pdf, row, data = _pdf_figures(_pdf_text(document, tmp_path)), rows[number], body[number]
        assert document.tax is not None
        figures = (document.net_total, document.tax.amount, document.total)
        assert (pdf["net_total"], pdf["tax"], pdf["total"]) == figures, number
        in_csv = (row["net_total_in_currency"], row["tax_in_currency"], row["total_in_currency"])
        assert tuple(Decimal(value) for value in in_csv) == figures, number
        in_json = (data["net_total"], data["tax"]["amount"], data["total"])
        assert tuple(Decimal(value) for value in in_json) == figures, number
        assert pdf["due_date"] == (row["due_date"] or None)
        assert (data["due_date"] or "") == row["due_date"]


async def test_each_case_is_billed_as_its_contract_says(store: Any, tmp_path: Path) -> None:
    issued = await _issued(store)
    zero, capped, note, reverse, yen = (issued[name] for name in NAMES)
    assert (zero.total, zero.tax, zero.due_date) == (
        Decimal("0.00"), zero.tax, datetime.date(2026, 12, 2),
    )  # fmt: skip
    assert capped.net_total == Decimal("54.00")  # 49.00 licence + the 5.00 cap
    assert capped.tax is not None and capped.tax.amount == Decimal("10.80")
    assert (note.net_total, note.total) == (Decimal("-54.00"), Decimal("-64.80"))
    assert reverse.tax is not None and reverse.tax.reverse_charge
    assert (reverse.tax.amount, reverse.total, reverse.due_date) == (
        Decimal("0.00"), reverse.net_total, datetime.date(2026, 11, 16),
    )  # fmt: skip
    assert yen.tax is not None and yen.tax.amount == (yen.net_total / 10).quantize(Decimal(1))
    assert str(yen.total) == str(yen.total.to_integral_value())  # no decimals in JPY


async def test_the_pdf_says_due_date_parties_tax_and_payment(store: Any, tmp_path: Path) -> None:
    issued = await _issued(store)
    zero, capped, note, reverse, yen = (issued[name] for name in NAMES)
    text = _pdf_text(zero, tmp_path)
    assert "Due date: 2026-12-02 (30 days after issue)" in text
    assert "Tax id: GB123456789" in text and "Tax id: GB987654321" in text
    assert "IBAN GB82 WEST 1234 5698 7654 32" in text and "BIC NWBKGB2L" in text
    assert "Pay to Basketlift Ltd, quoting INV-zero-000001." in text
    assert re.search(r"No revenue share is charged: the measured\s+uplift is not above zero", text)
    assert re.search(r"lower\s+bound -£[0-9,]+\.[0-9]{2}\)", text)
    reverse_text = _pdf_text(reverse, tmp_path)
    assert (
        "Tax: reverse charge" in reverse_text
        and "Reverse charge: no tax is charged" in reverse_text
    )
    assert "Country: DE" in reverse_text and "Tax id: DE123456789" in reverse_text
    assert "Tax at 20%" in _pdf_text(capped, tmp_path)
    assert "Total credited: -£64.80" in _pdf_text(note, tmp_path)
    assert re.search(r"Total due by 2026-12-02: ¥[0-9,]+\n", _pdf_text(yen, tmp_path))


async def test_csv_amounts_are_rounded_to_the_minor_unit(store: Any) -> None:
    issued = await _issued(store)
    rows = list(csv.DictReader(io.StringIO(to_csv(list(issued.values())))))
    for row in rows:
        places = 0 if row["currency"] == "JPY" else 2
        for header, value in row.items():
            if header.endswith("_in_currency") and "per_visitor" not in header and value:
                assert re.fullmatch(rf"-?[0-9]+(\.[0-9]{{{places}}})?", value), (header, value)
                assert places == 0 or "." in value, (header, value)
    zero = next(row for row in rows if row["shop"] == "zero")
    assert Decimal(zero["incremental_revenue_in_currency"]) < 0
    assert zero["no_share_reason_text"].startswith(
        "no revenue share is charged: the measured uplift is not above zero (lower bound -£"
    )
    reverse = next(row for row in rows if row["shop"] == "reverse")
    assert (reverse["reverse_charge"], reverse["buyer_country"]) == ("yes", "DE")
