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
    assert sum(Decimal(row["total"]) for row in rows) == sum(d.total for d in found)
    for row in rows:
        assert Decimal(row["licence_fee"]) + Decimal(row["share_fee"]) == Decimal(row["total"])


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
    assert note[0]["total"].startswith("-") and Decimal(note[0]["total"]) < 0


def test_csv_headers_are_pinned() -> None:
    assert CSV_HEADERS[:10] == (
        "document_number",
        "kind",
        "status",
        "shop",
        "period",
        "issue_date",
        "currency",
        "licence_fee",
        "share_fee",
        "total",
    )


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
    assert f"Total due: {document.total:,} EUR" in text
    assert "INV-a-000001" in text and "Bäckerei Müller Dvorák GmbH" in text
    assert "Uplift evidence" in text and "lower bound" in text
    shutil.copy(tmp_path / "page.png", Path(tempfile.gettempdir()) / "basketlift-invoice.png")
