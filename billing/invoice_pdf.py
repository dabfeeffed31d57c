"""A document as a PDF (fpdf2): number, dates, parties, lines, tax, totals, payment details
and the uplift evidence. Amounts as `billing.currency.format_money` writes them.

fpdf2's built-in Helvetica covers Windows-1252 only (Latin-1 and '€'): other characters are
transliterated (NFKD, accents dropped: 'ř' as 'r') or shown as '?', so no name can make
rendering fail.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from decimal import Decimal

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from billing.currency import format_money, from_minor_units, minor_unit_exponent
from billing.documents import Document
from billing.evidence import arm_table
from billing.parties import Party
from billing.periods import Period
from billing.statement import evidence_no_share_reason
from billing.sufficient import ExperimentStatistics
from billing.tax import REVERSE_CHARGE_NOTE

_TITLES = {"invoice": "Invoice", "credit_note": "Credit note"}


_ENCODING = "cp1252"


def _printable(text: str) -> str:
    return "".join(_printable_character(character) for character in text)


def _printable_character(character: str) -> str:
    try:
        character.encode(_ENCODING)
        return character
    except UnicodeEncodeError:
        decomposed = unicodedata.normalize("NFKD", character)
        kept = "".join(c for c in decomposed if not unicodedata.combining(c))
        return kept.encode(_ENCODING, "replace").decode(_ENCODING)


class _Page(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.core_fonts_encoding = _ENCODING

    def line_of(self, text: str, size: float = 10, bold: bool = False, height: float = 5) -> None:
        self.set_font("Helvetica", "B" if bold else "", size)
        self.multi_cell(0, height, _printable(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def table_of(
        self,
        rows: Sequence[tuple[str, ...]],
        widths: tuple[int, ...],
        headings: bool = True,
        align: tuple[str, ...] | str = "LEFT",
    ) -> None:
        self.set_font("Helvetica", "", 9)
        with self.table(
            col_widths=widths, text_align=align, line_height=5, first_row_as_headings=headings
        ) as table:
            for row in rows:
                cells = table.row()
                for value in row:
                    cells.cell(_printable(value))
        self.ln(3)


def _party(page: _Page, role: str, party: Party | None) -> None:
    page.line_of(role, bold=True)
    if party is None:
        page.line_of("(set when issued)")
        page.ln(2)
        return
    for text in (party.name, *party.address):
        page.line_of(text)
    if party.country:
        page.line_of(f"Country: {party.country}")
    if party.tax_id:
        page.line_of(f"Tax id: {party.tax_id}")
    page.ln(2)


def _money(amount: Decimal | str, currency: str) -> str:
    return format_money(Decimal(amount), currency)


def _totals(document: Document) -> list[tuple[str, ...]]:
    """The rows under the lines: net total, tax and total (a draft's tax is not decided)."""
    currency, tax = document.currency, document.tax
    rows: list[tuple[str, ...]] = [("Net total", _money(document.net_total, currency))]
    if tax is not None and tax.reverse_charge:
        rows.append(("Tax: reverse charge", _money(tax.amount, currency)))
    elif tax is not None:
        rows.append((f"Tax at {tax.rate_percent}%", _money(tax.amount, currency)))
    elif document.number is None:
        rows.append(("Tax", "decided when issued"))
    label = "Total" if tax is not None or document.number else "Total before tax"
    rows.append((label, _money(document.total, currency)))
    return rows


def _payment(page: _Page, document: Document) -> None:
    """What the buyer pays, by when and to where; a credit note says what it credits."""
    total = _money(document.total, document.currency)
    if document.kind == "credit_note":
        page.line_of(f"Total credited: {total}", size=12, bold=True)
    elif document.due_date is not None:
        page.line_of(f"Total due by {document.due_date}: {total}", size=12, bold=True)
    else:
        page.line_of(f"Total due: {total}", size=12, bold=True)
    if document.tax is not None and document.tax.reverse_charge:
        page.line_of(REVERSE_CHARGE_NOTE)
    seller = document.seller
    if document.kind == "invoice" and seller is not None:
        details = [
            f"IBAN {seller.iban_grouped}" if seller.iban else "",
            f"BIC {seller.bic}" if seller.bic else "",
            seller.payment_note or "",
        ]
        if any(details):
            page.ln(2)
            page.line_of("Payment details", bold=True)
            page.line_of(f"Pay to {seller.name}, quoting {document.number}.")
            for detail in details:
                if detail:
                    page.line_of(detail)


def _evidence(page: _Page, document: Document) -> None:
    evidence = document.draft.evidence
    page.line_of("Uplift evidence", size=12, bold=True, height=7)
    if document.draft.statement:
        page.line_of(document.draft.statement)
        page.ln(2)
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
    for arm in arm_table(ExperimentStatistics.from_dict(evidence["statistics"])):
        rows.append(
            (
                arm.arm,
                f"{arm.visitors:,}",
                f"{arm.converting_visitors:,}",
                f"{arm.orders:,}",
                _money(arm.net_revenue, document.currency),
                _money(arm.capped_revenue, document.currency),
                f"{arm.capped_visitors:,}",
                f"{arm.conversion_rate:.4%}",
                f"{arm.revenue_per_visitor:.4f}",
            )
        )
    page.table_of(rows, (22, 18, 20, 16, 26, 26, 14, 22, 22))
    contract = evidence["contract"]
    facts: list[tuple[str, ...]] = [
        ("Contract version", str(contract["version"])),
        ("Basis", _BASES[contract["basis"]]),
        ("Revenue share", f"{contract['revenue_share_percent']}%"),
        ("Revenue per visitor cap", _cap(document)),
    ]
    if contract["basis"] == "cumulative":
        facts += _cumulative_facts(document)
    else:
        facts += _monthly_facts(document)
    reason = evidence_no_share_reason(evidence)
    if reason is not None:
        facts.append(("This month's share", reason[0].upper() + reason[1:]))
    page.table_of(facts, (70, 110), headings=False)


_BASES = {
    "cumulative": "cumulative, anytime-valid lower bound since the contract started",
    "lower_bound": "this month's one-sided lower bound",
    "point": "point estimate (not safe: charges without an effect)",
}


def _cumulative_facts(document: Document) -> list[tuple[str, ...]]:
    evidence, currency = document.draft.evidence, document.currency
    bound, design = evidence["bound"], evidence["design"]
    scale = 10 ** minor_unit_exponent(currency)
    facts: list[tuple[str, ...]] = [
        ("Since", evidence["contract"]["effective_from"]),
        ("Sample-ratio check p-value", f"{evidence['sample_ratio']['p_value']:.5f}"),
    ]
    if bound["reason"] is None:
        facts += [
            ("Difference in revenue per visitor", f"{bound['estimate'] / scale:.4f} {currency}"),
            ("Standard error", f"{bound['standard_error'] / scale:.4f} {currency}"),
            (
                f"Lower bound ({1 - design['alpha']:.1%}, every month at once)",
                f"{bound['lower_bound'] / scale:.4f} {currency} per treated visitor",
            ),
        ]
    facts += [
        (
            "Incremental revenue, lower bound",
            _amount(evidence["incremental_lower_bound"], currency),
        ),
        ("Share due since the start", _amount(evidence["share_due"], currency)),
        ("Share billed before", _amount(evidence["billed_before"], currency)),
    ]
    return facts


def _monthly_facts(document: Document) -> list[tuple[str, ...]]:
    evidence, currency = document.draft.evidence, document.currency
    uplift = evidence["uplift"]
    difference = uplift["revenue_per_visitor"]["absolute"]
    level = evidence["contract"]["confidence_level"]
    scale = 10 ** minor_unit_exponent(currency)
    facts: list[tuple[str, ...]] = []
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
        ("Incremental revenue", _amount(evidence["incremental_revenue"], currency)),
    ]
    return facts


def _amount(value: str | None, currency: str) -> str:
    return "-" if value is None else _money(value, currency)


def _cap(document: Document) -> str:
    lock = document.draft.lock
    if lock.revenue_cap_minor is None:
        return "none"
    amount = from_minor_units(lock.revenue_cap_minor, document.currency)
    return f"{_money(amount, document.currency)} ({lock.cap_source})"


def render_pdf(document: Document) -> bytes:
    """One PDF document; a draft is marked as such."""
    page = _Page()
    page.set_auto_page_break(auto=True, margin=15)
    if document.issued_at is not None:
        page.set_creation_date(document.issued_at)
    page.set_title(f"{_TITLES[document.kind]} {document.number or 'draft'}")
    page.add_page()
    title = _TITLES[document.kind] if document.number else "Draft invoice (not issued)"
    page.line_of(f"{title} {document.number or ''}".strip(), size=18, bold=True, height=10)
    period = Period.parse(document.period)
    page.line_of(f"Issue date: {document.issued_at.date() if document.issued_at else '-'}")
    if document.kind == "invoice":
        terms = f"{document.payment_terms_days} days after issue"
        due = f"{document.due_date} ({terms})" if document.due_date else f"- ({terms})"
        page.line_of(f"Due date: {due}")
    page.line_of(f"Service period: {period.first_day} to {period.last_day} ({document.period})")
    if document.credits:
        page.line_of(f"Cancels invoice {document.credits}: {document.reason or ''}")
    page.ln(3)
    _party(page, "Seller", document.seller)
    _party(page, "Buyer", document.buyer)
    rows: list[tuple[str, ...]] = [("Description", "Amount")]
    rows += [(line.description, _money(line.amount, document.currency)) for line in document.lines]
    page.table_of(rows + _totals(document), (140, 40), align=("LEFT", "RIGHT"))
    _payment(page, document)
    page.ln(4)
    _evidence(page, document)
    return bytes(page.output())
