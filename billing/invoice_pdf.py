"""A document as a PDF (fpdf2): number, dates, parties, lines, totals and the uplift evidence.

fpdf2's built-in Helvetica covers Latin-1 only: other characters are transliterated
(NFKD, accents dropped: 'ř' as 'r') or shown as '?', so no name can make rendering fail.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from decimal import Decimal

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from billing.currency import from_minor_units, minor_unit_exponent, round_half_up
from billing.documents import Document
from billing.parties import Party
from billing.periods import Period

_TITLES = {"invoice": "Invoice", "credit_note": "Credit note"}


def _latin1(text: str) -> str:
    return "".join(_latin1_character(character) for character in text)


def _latin1_character(character: str) -> str:
    if ord(character) < 256:
        return character
    decomposed = unicodedata.normalize("NFKD", character)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return kept.encode("latin-1", "replace").decode("latin-1")


class _Page(FPDF):
    def line_of(self, text: str, size: float = 10, bold: bool = False, height: float = 5) -> None:
        self.set_font("Helvetica", "B" if bold else "", size)
        self.multi_cell(0, height, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def table_of(
        self, rows: Sequence[tuple[str, ...]], widths: tuple[int, ...], headings: bool = True
    ) -> None:
        self.set_font("Helvetica", "", 9)
        with self.table(
            col_widths=widths, text_align="LEFT", line_height=5, first_row_as_headings=headings
        ) as table:
            for row in rows:
                cells = table.row()
                for value in row:
                    cells.cell(_latin1(value))
        self.ln(3)


def _party(page: _Page, role: str, party: Party | None) -> None:
    page.line_of(role, bold=True)
    if party is None:
        page.line_of("(set when issued)")
        return
    for text in (party.name, *party.address):
        page.line_of(text)
    if party.tax_id:
        page.line_of(f"Tax id: {party.tax_id}")
    page.ln(2)


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:,} {currency}"


def _evidence(page: _Page, document: Document) -> None:
    evidence = document.draft.evidence
    contract, uplift = evidence["contract"], evidence["uplift"]
    currency, scale = document.currency, 10 ** minor_unit_exponent(document.currency)
    page.line_of("Uplift evidence", size=12, bold=True, height=7)
    header = (
        "Arm",
        "Visitors",
        "Converting",
        "Orders",
        "Net revenue",
        "Capped revenue",
        "Capped",
        "Conv. rate",
        "Rev./visitor",
    )
    rows = [header]
    for arm in evidence["arm_table"]:
        rows.append(
            (
                arm["arm"],
                str(arm["visitors"]),
                str(arm["converting_visitors"]),
                str(arm["orders"]),
                arm["net_revenue"],
                arm["capped_revenue"],
                str(arm["capped_visitors"]),
                f"{arm['conversion_rate']:.4%}",
                f"{arm['revenue_per_visitor']:.4f}",
            )
        )
    page.table_of(rows, (22, 18, 20, 16, 26, 26, 14, 22, 22))
    difference = uplift["revenue_per_visitor"]["absolute"]
    level = contract["confidence_level"]
    basis = "lower bound" if contract["basis"] == "lower_bound" else "point estimate"
    incremental = evidence["incremental_revenue"]
    if incremental is not None:
        incremental = _money(round_half_up(Decimal(incremental), currency), currency)
    facts: list[tuple[str, ...]] = [
        ("Contract version", str(contract["version"])),
        ("Revenue share", f"{contract['revenue_share_percent']}% on the {basis}"),
        ("Revenue per visitor cap", _cap(document)),
    ]
    if difference["reason"] is None:
        facts += [
            (
                "Difference in revenue per visitor",
                f"{difference['estimate'] / scale:.4f} {currency}",
            ),
            (
                f"{level:.0%} interval ({currency})",
                f"{difference['ci_low'] / scale:.4f} to {difference['ci_high'] / scale:.4f}",
            ),
            (
                f"One-sided {level:.0%} lower bound",
                f"{difference['lower_bound'] / scale:.4f} {currency}",
            ),
            ("p-value", f"{difference['p_value']:.5f}"),
        ]
    else:
        facts.append(("Difference in revenue per visitor", f"not computed: {difference['reason']}"))
    facts += [
        ("Sample-ratio check p-value", f"{uplift['sample_ratio']['p_value']:.5f}"),
        ("Incremental revenue", incremental or "-"),
        ("No share charged because", ", ".join(evidence["no_share_reasons"]) or "-"),
    ]
    page.table_of(facts, (70, 110), headings=False)


def _cap(document: Document) -> str:
    lock = document.draft.lock
    if lock.revenue_cap_minor is None:
        return "none"
    amount = from_minor_units(lock.revenue_cap_minor, document.currency)
    return f"{_money(amount, document.currency)} ({lock.cap_source})"


def render_pdf(document: Document) -> bytes:
    """One PDF document; a draft is marked as such."""
    page = _Page(format="A4")
    page.set_auto_page_break(auto=True, margin=15)
    if document.issued_at is not None:
        page.set_creation_date(document.issued_at)
    page.set_title(f"{_TITLES[document.kind]} {document.number or 'draft'}")
    page.add_page()
    title = _TITLES[document.kind] if document.number else "Draft invoice (not issued)"
    page.line_of(f"{title} {document.number or ''}".strip(), size=18, bold=True, height=10)
    period = Period.parse(document.period)
    page.line_of(f"Issue date: {document.issued_at.date() if document.issued_at else '-'}")
    page.line_of(f"Service period: {period.first_day} to {period.last_day} ({document.period})")
    if document.credits:
        page.line_of(f"Cancels invoice {document.credits}: {document.reason or ''}")
    page.ln(3)
    _party(page, "Seller", document.seller)
    _party(page, "Buyer", document.buyer)
    rows: list[tuple[str, ...]] = [("Description", f"Amount ({document.currency})")]
    rows += [(line.description, f"{line.amount:,}") for line in document.lines]
    rows.append(("Total", _money(document.total, document.currency)))
    page.table_of(rows, (140, 40))
    page.line_of(f"Total due: {_money(document.total, document.currency)}", size=12, bold=True)
    page.ln(4)
    _evidence(page, document)
    return bytes(page.output())
