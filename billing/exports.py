"""Exports for finance: CSV with stable headers, JSON, and a PDF per issued document.

Each CSV row is one document. Amount columns end in `_in_currency`: major units of the row's
`currency`, rounded to its minor unit (GBP 1234.56, JPY 1235); the per-visitor figures
keep four decimals. Credit notes carry the billed amounts (fees, adjustments, net, tax,
total) negated, so that `total_in_currency` sums, per currency, to what is owed; their
evidence columns are the measurement's, unchanged. A draft's tax is decided when it is
issued: its tax columns are empty and its total is before tax.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any, Literal

import orjson

from billing.currency import decimal_as_string, from_minor_units, minor_unit_exponent, round_half_up
from billing.documents import Document
from billing.statement import evidence_no_share_reason

ExportFormat = Literal["csv", "json", "pdf"]

CSV_HEADERS = (
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
    "seller_name",
    "seller_tax_id",
    "buyer_name",
    "buyer_country",
    "buyer_tax_id",
    "credits_document",
    "reason",
    "contract_version",
    "basis",
    "revenue_share_percent",
    "confidence_level",
    "treated_visitors",
    "holdout_visitors",
    "revenue_per_visitor_difference_in_currency",
    "revenue_per_visitor_lower_bound_in_currency",
    "incremental_revenue_in_currency",
    "no_share_reasons",
    "no_share_reason_text",
    "revenue_per_visitor_cap_in_currency",
    "cap_source",
    "cumulative_since",
    "incremental_lower_bound_in_currency",
    "billed_before_in_currency",
    "revision",
    "replaces_document",
)
# Free text that a spreadsheet would run as a formula when it starts so (OWASP CSV
# injection); amounts are numbers and keep their minus sign.
_TEXT_COLUMNS = (
    "shop",
    "reason",
    "no_share_reasons",
    "no_share_reason_text",
    "seller_name",
    "seller_tax_id",
    "buyer_name",
    "buyer_tax_id",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PER_VISITOR = Decimal("0.0001")


def _csv_row(document: Document) -> dict[str, Any]:
    evidence, currency = document.draft.evidence, document.currency
    contract, statistics = evidence["contract"], evidence["statistics"]
    sign = -1 if document.kind == "credit_note" else 1

    def measured(name: str) -> Decimal | str:
        found = evidence.get(name)
        return "" if found is None else round_half_up(Decimal(found), currency)

    def billed(name: str) -> Decimal:
        return sign * round_half_up(Decimal(evidence[name]), currency)

    cumulative = contract["basis"] == "cumulative"
    seller, buyer, tax = document.seller, document.buyer, document.tax
    cap = statistics["revenue_cap_minor"]
    reason = evidence_no_share_reason(evidence)
    return {
        "document_number": document.number or "",
        "kind": document.kind,
        "status": document.status,
        "shop": document.shop,
        "period": document.period,
        "issue_date": document.issued_at.date().isoformat() if document.issued_at else "",
        "due_date": document.due_date.isoformat() if document.due_date else "",
        "currency": currency,
        "licence_fee_in_currency": billed("licence_fee"),
        "share_fee_in_currency": billed("share_fee"),
        "adjustments_in_currency": sign
        * sum((a.amount for a in document.draft.adjustments), round_half_up(Decimal(0), currency)),
        "net_total_in_currency": document.net_total,
        "tax_rate_percent": tax.rate_percent if tax else "",
        "reverse_charge": ("yes" if tax.reverse_charge else "no") if tax else "",
        "tax_in_currency": tax.amount if tax else "",
        "total_in_currency": document.total,
        "seller_name": seller.name if seller else "",
        "seller_tax_id": (seller.tax_id or "") if seller else "",
        "buyer_name": buyer.name if buyer else "",
        "buyer_country": (buyer.country or "") if buyer else "",
        "buyer_tax_id": (buyer.tax_id or "") if buyer else "",
        "credits_document": document.credits or "",
        "reason": document.reason or "",
        "contract_version": contract["version"],
        "basis": contract["basis"],
        "revenue_share_percent": contract["revenue_share_percent"],
        "confidence_level": contract["confidence_level"],
        "treated_visitors": statistics["treatment"]["visitors"],
        "holdout_visitors": statistics["holdout"]["visitors"],
        "revenue_per_visitor_difference_in_currency": _per_visitor(
            evidence.get("revenue_per_visitor_difference")
        ),
        "revenue_per_visitor_lower_bound_in_currency": _lower_bound(evidence),
        "incremental_revenue_in_currency": measured("incremental_revenue"),
        "no_share_reasons": " ".join(evidence["no_share_reasons"]),
        "no_share_reason_text": reason or "",
        "revenue_per_visitor_cap_in_currency": ""
        if cap is None
        else from_minor_units(cap, currency),
        "cap_source": document.draft.lock.cap_source,
        "cumulative_since": contract["effective_from"] if cumulative else "",
        "incremental_lower_bound_in_currency": measured("incremental_lower_bound"),
        "billed_before_in_currency": measured("billed_before"),
        "revision": document.draft.revision,
        "replaces_document": document.draft.replaces or "",
    }


def _per_visitor(value: str | None) -> Decimal | str:
    return "" if value is None else Decimal(value).quantize(_PER_VISITOR)


def _lower_bound(evidence: dict[str, Any]) -> Decimal | str:
    """In major units per visitor; the statistics hold minor units as a float."""
    if "bound" in evidence:  # the cumulative basis: per treated visitor since the start
        absolute = evidence["bound"]
    else:
        absolute = evidence["uplift"]["revenue_per_visitor"]["absolute"]
    if absolute["reason"] is not None or absolute["lower_bound"] is None:
        return ""
    exponent = minor_unit_exponent(evidence["contract"]["currency"])
    return _per_visitor(str(Decimal(repr(absolute["lower_bound"])).scaleb(-exponent)))


def to_csv(documents: list[Document]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_HEADERS, lineterminator="\r\n")
    writer.writeheader()
    for document in documents:
        row = _csv_row(document)
        writer.writerow(row | {name: _text_cell(row[name]) for name in _TEXT_COLUMNS})
    return buffer.getvalue()


def _text_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def to_json(documents: list[Document]) -> bytes:
    body = {"documents": [document.as_dict() for document in documents]}
    return orjson.dumps(body, default=decimal_as_string, option=orjson.OPT_INDENT_2)


def file_name(document: Document, extension: str) -> str:
    """`INV-shop-000001.pdf`; a draft, unnumbered, as `draft-shop-2026-10`."""
    stem = document.number or f"draft-{document.shop}-{document.period}"
    return f"{stem}.{extension}"
