"""Exports for finance: CSV with stable headers, JSON, and a PDF per issued document.

The CSV's `total` column sums, per currency, to the documents' totals: each row is one
document and credit notes carry negative amounts.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any, Literal

import orjson

from billing.currency import decimal_as_string, minor_unit_exponent, round_half_up
from billing.documents import Document

ExportFormat = Literal["csv", "json", "pdf"]

CSV_HEADERS = (
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
    "credits_document",
    "reason",
    "contract_version",
    "basis",
    "revenue_share_percent",
    "confidence_level",
    "treated_visitors",
    "holdout_visitors",
    "revenue_per_visitor_difference",
    "revenue_per_visitor_lower_bound",
    "incremental_revenue",
    "no_share_reasons",
    "revenue_cap_minor",
    "cap_source",
    "cumulative_since",
    "incremental_lower_bound",
    "billed_before",
    "revision",
    "replaces_document",
    "adjustments",
)
# Free text that a spreadsheet would run as a formula when it starts so (OWASP CSV
# injection); amounts are numbers and keep their minus sign.
_TEXT_COLUMNS = ("shop", "reason", "no_share_reasons")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_row(document: Document) -> dict[str, Any]:
    evidence = document.draft.evidence
    contract, statistics = evidence["contract"], evidence["statistics"]
    sign = -1 if document.kind == "credit_note" else 1

    def money(name: str) -> Decimal | str:
        if evidence.get(name) is None:
            return ""
        return sign * round_half_up(Decimal(evidence[name]), document.currency)

    cumulative = contract["basis"] == "cumulative"

    return {
        "document_number": document.number or "",
        "kind": document.kind,
        "status": document.status,
        "shop": document.shop,
        "period": document.period,
        "issue_date": document.issued_at.date().isoformat() if document.issued_at else "",
        "currency": document.currency,
        "licence_fee": money("licence_fee"),
        "share_fee": money("share_fee"),
        "total": document.total,
        "credits_document": document.credits or "",
        "reason": document.reason or "",
        "contract_version": contract["version"],
        "basis": contract["basis"],
        "revenue_share_percent": contract["revenue_share_percent"],
        "confidence_level": contract["confidence_level"],
        "treated_visitors": statistics["treatment"]["visitors"],
        "holdout_visitors": statistics["holdout"]["visitors"],
        "revenue_per_visitor_difference": evidence.get("revenue_per_visitor_difference") or "",
        "revenue_per_visitor_lower_bound": _lower_bound(evidence),
        "incremental_revenue": evidence.get("incremental_revenue") or "",
        "no_share_reasons": " ".join(evidence["no_share_reasons"]),
        "revenue_cap_minor": statistics["revenue_cap_minor"] or "",
        "cap_source": document.draft.lock.cap_source,
        "cumulative_since": contract["effective_from"] if cumulative else "",
        "incremental_lower_bound": money("incremental_lower_bound"),
        "billed_before": money("billed_before"),
        "revision": document.draft.revision,
        "replaces_document": document.draft.replaces or "",
        "adjustments": sign * sum((a.amount for a in document.draft.adjustments), Decimal(0)),
    }


def _lower_bound(evidence: dict[str, Any]) -> str:
    """In major units per visitor; the statistics hold minor units as a float."""
    if "bound" in evidence:  # the cumulative basis: per treated visitor since the start
        absolute = evidence["bound"]
    else:
        absolute = evidence["uplift"]["revenue_per_visitor"]["absolute"]
    if absolute["reason"] is not None or absolute["lower_bound"] is None:
        return ""
    exponent = minor_unit_exponent(evidence["contract"]["currency"])
    return str(Decimal(repr(absolute["lower_bound"])).scaleb(-exponent))


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
