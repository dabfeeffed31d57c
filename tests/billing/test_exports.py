from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from billing import keys
from billing.documents import Document, documents
from billing.exports import CSV_HEADERS, to_csv, to_json
from billing.invoice_pdf import render_pdf
from billing.invoice_records import period_invoices
from billing.invoice_store import create_draft, finalize, void
from billing.parties import Party, set_buyer
from billing.periods import Period
from tests.billing.ledger_samples import AFTER_OCTOBER, october_ledger

pytestmark = pytest.mark.anyio
OCTOBER = Period(2026, 10)


async def _documents(store: Any) -> list[Document]:
    """Shop a issued, shop b issued then voided, shop c a draft."""
    for shop in ("a", "b", "c"):
        await october_ledger(store, shop, treated=60, holdout=60)
        await create_draft(store, shop, OCTOBER, AFTER_OCTOBER)
    await set_buyer(store, "a", Party("Bäckerei Müller Dvořák GmbH", ("Hauptstraße 1", "Köln")))
    await finalize(store, "a", OCTOBER, AFTER_OCTOBER)
    await finalize(store, "b", OCTOBER, AFTER_OCTOBER)
    await void(store, "b", OCTOBER, "wrong contract", AFTER_OCTOBER)
    return documents(await period_invoices(store, OCTOBER))


async def test_csv_headers_are_stable_and_totals_equal_the_documents(store: Any) -> None:
    found = await _documents(store)
    rows = list(csv.DictReader(io.StringIO(to_csv(found))))
    assert tuple(rows[0]) == CSV_HEADERS
    assert [row["document_number"] for row in rows] == [
        "INV-a-000001",
        "INV-b-000001",
        "CN-b-000001",
        "",
    ]
    assert sum(Decimal(row["total_in_currency"]) for row in rows) == sum(d.total for d in found)
    for row in rows:
        billed = ("licence_fee", "share_fee", "adjustments")
        net = sum(Decimal(row[f"{name}_in_currency"]) for name in billed)
        assert net == Decimal(row["net_total_in_currency"])


async def test_csv_text_cells_cannot_start_a_formula(store: Any) -> None:
    await october_ledger(store, "a", treated=60, holdout=60)
    await create_draft(store, "a", OCTOBER, AFTER_OCTOBER)
    await finalize(store, "a", OCTOBER, AFTER_OCTOBER)
    await void(store, "a", OCTOBER, '=HYPERLINK("http://evil.example","x")', AFTER_OCTOBER)
    found = documents(await period_invoices(store, OCTOBER))
    note = [
        row for row in csv.DictReader(io.StringIO(to_csv(found))) if row["kind"] == "credit_note"
    ]
    assert note[0]["reason"] == '\'=HYPERLINK("http://evil.example","x")'
    total = note[0]["total_in_currency"]
    assert total.startswith("-") and Decimal(total) < 0


def test_csv_headers_are_pinned() -> None:
    assert CSV_HEADERS[:16] == (
        "document_number",
        "kind",
        "status",
        "shop",
        "period",
        "issue_date",
        "due_date",
        "currency",
        "licence_fee_in_currency",
        "share_fee_in_currency",
        "adjustments_in_currency",
        "net_total_in_currency",
        "tax_rate_percent",
        "reverse_charge",
        "tax_in_currency",
        "total_in_currency",
    )


def test_every_amount_column_names_its_unit() -> None:
    money = ("fee", "total", "tax", "revenue", "bound", "difference", "cap", "before", "adjust")
    words = {"no_share_reason_text", "seller_tax_id", "buyer_tax_id", "cap_source"}
    for header in set(CSV_HEADERS) - words:
        if any(word in header for word in money):
            assert header.endswith(("_in_currency", "_percent", "reverse_charge")), header


async def test_json_holds_the_documents_with_their_evidence(store: Any) -> None:
    body = json.loads(to_json(await _documents(store)))["documents"]
    assert [d["status"] for d in body] == ["issued", "void", "issued", "draft"]
    assert body[2]["total"] == "-" + body[1]["total"] and body[2]["credits"] == "INV-b-000001"
    assert body[0]["evidence"]["contract"]["version"] == 1


async def test_the_pdf_renders_and_its_text_holds_the_totals(store: Any, tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: apt-get install -y poppler-utils")
    document = (await _documents(store))[0]
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(render_pdf(document))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-singlefile", pdf, tmp_path / "page"], check=True
    )
    assert (tmp_path / "page.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = subprocess.run(
        ["pdftotext", "-layout", pdf, "-"], check=True, capture_output=True, text=True
    ).stdout
    assert f"Total due by {document.due_date}: €{document.total:,}" in text
    assert "INV-a-000001" in text and "Bäckerei Müller Dvorák GmbH" in text
    assert "Uplift evidence" in text and "lower bound" in text
    shutil.copy(tmp_path / "page.png", Path(tempfile.gettempdir()) / "basketlift-invoice.png")


async def test_an_invoice_issued_before_tax_lines_still_exports(store: Any, tmp_path: Path) -> None:
    """Stored as earlier releases wrote it: no due date, tax, country or payment terms."""
    await october_ledger(store, "a", treated=60, holdout=60)
    await create_draft(store, "a", OCTOBER, AFTER_OCTOBER)
    await finalize(store, "a", OCTOBER, AFTER_OCTOBER)
    key = keys.invoice("a", str(OCTOBER), 1)
    draft, issue = (
        json.loads(await store.hget(key, "draft")),
        json.loads(await store.hget(key, "issue")),
    )
    for name in ("payment_terms_days", "tax_rate_percent"):
        del draft["evidence"]["contract"][name]
    old_issue = {"issued_at": issue["issued_at"], "reason": None} | {
        role: {"name": issue[role]["name"], "address": issue[role]["address"], "tax_id": None}
        for role in ("seller", "buyer")
    }
    await store.hset(key, mapping={"draft": json.dumps(draft), "issue": json.dumps(old_issue)})
    (document,) = documents(await period_invoices(store, OCTOBER))
    assert (document.tax, document.due_date, document.total) == (None, None, document.net_total)
    (row,) = csv.DictReader(io.StringIO(to_csv([document])))
    assert (row["due_date"], row["tax_in_currency"], row["reverse_charge"]) == ("", "", "")
    assert Decimal(row["total_in_currency"]) == Decimal(draft["total"])
    assert json.loads(to_json([document]))["documents"][0]["tax"] is None
    pdf = tmp_path / "old.pdf"
    pdf.write_bytes(render_pdf(document))
    text = subprocess.run(
        ["pdftotext", "-layout", pdf, "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Due date: - (30 days after issue)" in text
    assert f"Total due: €{Decimal(draft['total']):,}" in text and "Tax at" not in text
