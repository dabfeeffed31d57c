"""Invoices and credit notes as the documents finance exports, one flat value each.

A credit note is the mirror of the invoice it cancels: the same lines, tax and evidence with
amounts negated, its own number and date, so exported totals sum to what is owed. `total`
is what is due, tax included; a draft's tax is decided when it is issued, so until then its
total is before tax (`tax` None), as is the total of an invoice issued before tax lines.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from billing.contracts import DEFAULT_PAYMENT_TERMS_DAYS
from billing.invoices import DocumentKind, Draft, Invoice, InvoiceLine, InvoiceStatus
from billing.parties import Party
from billing.tax import Tax


@dataclass(frozen=True)
class Document:
    kind: DocumentKind
    number: str | None
    status: InvoiceStatus
    issued_at: datetime.datetime | None
    seller: Party | None
    buyer: Party | None
    lines: tuple[InvoiceLine, ...]
    net_total: Decimal
    draft: Draft
    credits: str | None = None
    reason: str | None = None
    due_date: datetime.date | None = None
    tax: Tax | None = None

    @property
    def total(self) -> Decimal:
        return self.net_total + (self.tax.amount if self.tax else Decimal(0))

    @property
    def payment_terms_days(self) -> int:
        """The terms of the contract that priced the document (the default before they existed)."""
        terms = self.draft.evidence["contract"]
        return int(terms.get("payment_terms_days", DEFAULT_PAYMENT_TERMS_DAYS))

    @property
    def shop(self) -> str:
        return self.draft.shop

    @property
    def period(self) -> str:
        return self.draft.period

    @property
    def currency(self) -> str:
        return self.draft.currency

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, money as strings; the evidence as the fee computation stored it."""
        return {
            "kind": self.kind,
            "number": self.number,
            "status": self.status,
            "shop": self.shop,
            "period": self.period,
            "currency": self.currency,
            "issued_at": self.issued_at.isoformat() if self.issued_at else None,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "seller": self.seller.as_dict() if self.seller else None,
            "buyer": self.buyer.as_dict() if self.buyer else None,
            "lines": [
                {"description": line.description, "amount": str(line.amount)} for line in self.lines
            ],
            "net_total": str(self.net_total),
            "tax": self.tax.as_dict() if self.tax else None,
            "total": str(self.total),
            "credits": self.credits,
            "reason": self.reason,
            "created_at": self.draft.created_at.isoformat(),
            "lock": dataclasses.asdict(self.draft.lock)
            | {"locked_at": self.draft.lock.locked_at.isoformat()},
            "evidence": self.draft.evidence,
        }


def documents(invoices: list[Invoice]) -> list[Document]:
    """Each invoice (draft, issued or void), then its credit note if any, in the given order."""
    found: list[Document] = []
    for invoice in invoices:
        draft, issue, note = invoice.draft, invoice.issue, invoice.credit_note
        found.append(
            Document(
                kind="invoice",
                number=issue.number if issue else None,
                status=invoice.status,
                issued_at=issue.issued_at if issue else None,
                seller=issue.seller if issue else None,
                buyer=issue.buyer if issue else None,
                lines=draft.lines,
                net_total=draft.total,
                draft=draft,
                due_date=issue.due_date if issue else None,
                tax=issue.tax if issue else None,
            )
        )
        if issue is not None and note is not None:
            found.append(
                Document(
                    kind="credit_note",
                    number=note.number,
                    status="issued",
                    issued_at=note.issued_at,
                    seller=note.seller,
                    buyer=note.buyer,
                    lines=tuple(
                        InvoiceLine(line.description, -line.amount) for line in draft.lines
                    ),
                    net_total=-draft.total,
                    draft=draft,
                    credits=issue.number,
                    reason=note.reason,
                    tax=note.tax.negated() if note.tax else None,
                )
            )
    return found
