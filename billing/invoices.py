"""Invoices and credit notes as values: what a period's fee puts on paper.

A draft holds the lines, the total and the evidence (the fee computation's JSON), fixed
when the period is run; issuing adds a number, a date and both parties; voiding adds a
credit note with its own number. None of these parts is ever rewritten.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import orjson

from billing.contracts import Contract
from billing.currency import decimal_as_string, format_money, round_half_up
from billing.fees import (
    CumulativeFeeComputation,
    FeeComputation,
    PeriodFee,
    compute_cumulative_fee,
    compute_fee,
)
from billing.parties import Party
from billing.period_lock import PeriodLock
from billing.periods import Period
from billing.statement import fee_no_share_reason, fee_statement
from billing.sufficient import ExperimentStatistics, PrePeriodStatistics
from billing.tax import Tax, tax_of
from billing.traffic_quality import TrafficQuality

InvoiceStatus = Literal["draft", "issued", "void"]
DocumentKind = Literal["invoice", "credit_note"]


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    amount: Decimal


@dataclass(frozen=True)
class Adjustment:
    """What an invoice settles for an earlier month's entries that arrived after its lock.

    `late_entries` counts the month's late entries reported so far (this one included),
    `new_entries` and `revenue_change` those first reported here. On a monthly basis
    `corrected_share` is the month's share re-priced with them and `amount` its difference
    from what the month had been billed; on the cumulative basis both are informative only
    (None and 0): the bound already includes them.
    """

    period: str
    late_entries: int
    new_entries: int
    revenue_change: Decimal
    corrected_share: Decimal | None
    amount: Decimal

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Adjustment:
        corrected = data["corrected_share"]
        return cls(
            period=data["period"],
            late_entries=data["late_entries"],
            new_entries=data["new_entries"],
            revenue_change=Decimal(data["revenue_change"]),
            corrected_share=None if corrected is None else Decimal(corrected),
            amount=Decimal(data["amount"]),
        )

    def line(self, currency: str) -> InvoiceLine:
        entries = f"{self.new_entries} entries of {self.period} that arrived after it was invoiced"
        change = f"net revenue {format_money(self.revenue_change, currency, signed=True)}"
        if self.corrected_share is None:
            text = f"Adjustment: {entries} ({change}), counted in the bound above"
        else:
            text = (
                f"Adjustment: {entries} ({change}); {self.period}'s share re-priced to "
                f"{format_money(self.corrected_share, currency)}"
            )
        return InvoiceLine(text, self.amount)


@dataclass(frozen=True)
class Draft:
    """`statement` says the fee in one sentence; `revision` counts the period's invoices (a
    later one replaces the voided invoice numbered `replaces`); `adjustments` settle earlier
    months' late entries (`billing.late_adjustments`), each with its line; `late_included`
    counts the period's own late entries its statistics hold (a reissue's)."""

    shop: str
    period: str
    currency: str
    created_at: datetime.datetime
    lines: tuple[InvoiceLine, ...]
    total: Decimal
    contract_version: int
    lock: PeriodLock
    evidence: dict[str, Any]
    statement: str = ""
    revision: int = 1
    replaces: str | None = None
    adjustments: tuple[Adjustment, ...] = ()
    late_included: int = 0

    @classmethod
    def of_fee(
        cls,
        fee: PeriodFee,
        period: Period,
        lock: PeriodLock,
        at: datetime.datetime,
        *,
        revision: int = 1,
        replaces: str | None = None,
        adjustments: tuple[Adjustment, ...] = (),
        late_included: int = 0,
    ) -> Draft:
        contract = fee.contract
        settled = sum((adjustment.amount for adjustment in adjustments), Decimal(0))
        return cls(
            shop=contract.shop,
            period=str(period),
            currency=contract.currency,
            created_at=at,
            lines=invoice_lines(fee) + tuple(a.line(contract.currency) for a in adjustments),
            total=round_half_up(fee.total, contract.currency) + settled,
            contract_version=contract.version,
            lock=lock,
            evidence=orjson.loads(fee.to_json()),
            statement=fee_statement(fee, period) + _settled(adjustments, contract.currency),
            revision=revision,
            replaces=replaces,
            adjustments=adjustments,
            late_included=late_included,
        )

    def to_json(self) -> bytes:
        return orjson.dumps(self, default=decimal_as_string)

    @classmethod
    def from_json(cls, text: str | bytes) -> Draft:
        data = orjson.loads(text)
        lock = data["lock"]
        return cls(
            **data
            | {
                "created_at": datetime.datetime.fromisoformat(data["created_at"]),
                "lines": tuple(
                    InvoiceLine(line["description"], Decimal(line["amount"]))
                    for line in data["lines"]
                ),
                "total": Decimal(data["total"]),
                "adjustments": tuple(
                    Adjustment.from_dict(found) for found in data.get("adjustments", ())
                ),
                "lock": PeriodLock(
                    lock["revenue_cap_minor"],
                    lock["cap_source"],
                    datetime.datetime.fromisoformat(lock["locked_at"]),
                ),
            }
        )

    @property
    def traffic_quality(self) -> TrafficQuality | None:
        """The month's traffic verdict, as the fee computation stored it (None before it)."""
        stored = self.evidence.get("traffic_quality")
        return TrafficQuality.from_dict(stored) if stored else None

    def recompute(self) -> PeriodFee:
        """The fee again, from the evidence alone: contract, statistics, traffic verdict (and
        on the cumulative basis the covariates, the earlier looks and the share billed
        before)."""
        contract = Contract.from_dict(self.evidence["contract"])
        statistics = ExperimentStatistics.from_dict(self.evidence["statistics"])
        quality = self.traffic_quality
        if contract.basis == "cumulative":
            evidence = self.evidence
            covariates = evidence.get("pre_period")
            return compute_cumulative_fee(
                contract,
                statistics,
                Decimal(evidence["billed_before"]),
                contract.design,
                PrePeriodStatistics.from_dict(covariates) if covariates else None,
                earlier_looks=tuple(evidence["bound"]["earlier_looks"]),
                quality=quality,
            )
        return compute_fee(contract, statistics, quality)


@dataclass(frozen=True)
class Issue:
    """What issuing adds to a draft, or to a credit note of an issued invoice: an invoice's
    `due_date` and `tax` (`billing.tax`) are fixed here, from the parties and the contract;
    a credit note repeats the tax it cancels and has no due date. Invoices issued before due
    dates and tax existed have neither (their total had no tax)."""

    number: str
    issued_at: datetime.datetime
    seller: Party
    buyer: Party
    reason: str | None = None
    due_date: datetime.date | None = None
    tax: Tax | None = None

    @classmethod
    def of_invoice(cls, draft: Draft, at: datetime.datetime, seller: Party, buyer: Party) -> Issue:
        """The issue of `draft` at `at`: due after the contract's payment terms, taxed at its
        rate unless reverse charge applies."""
        contract = Contract.from_dict(draft.evidence["contract"])
        return cls(
            number="",
            issued_at=at,
            seller=seller,
            buyer=buyer,
            due_date=at.date() + datetime.timedelta(days=contract.payment_terms_days),
            tax=tax_of(draft.total, draft.currency, contract.tax_rate_percent, seller, buyer),
        )

    def to_json(self) -> bytes:
        """Everything but the number, which the issuing script assigns."""
        return orjson.dumps(
            {
                "issued_at": self.issued_at.isoformat(),
                "seller": self.seller.as_dict(),
                "buyer": self.buyer.as_dict(),
                "reason": self.reason,
                "due_date": self.due_date.isoformat() if self.due_date else None,
                "tax": self.tax.as_dict() if self.tax else None,
            }
        )

    @classmethod
    def from_json(cls, number: str, text: str | bytes) -> Issue:
        data = orjson.loads(text)
        due, tax = data.get("due_date"), data.get("tax")
        return cls(
            number=number,
            issued_at=datetime.datetime.fromisoformat(data["issued_at"]),
            seller=Party.from_dict(data["seller"]),
            buyer=Party.from_dict(data["buyer"]),
            reason=data["reason"],
            due_date=datetime.date.fromisoformat(due) if due else None,
            tax=Tax.from_dict(tax) if tax else None,
        )


@dataclass(frozen=True)
class Invoice:
    draft: Draft
    issue: Issue | None = None
    credit_note: Issue | None = None

    @property
    def status(self) -> InvoiceStatus:
        if self.issue is None:
            return "draft"
        return "issued" if self.credit_note is None else "void"


def invoice_lines(fee: PeriodFee) -> tuple[InvoiceLine, ...]:
    contract = fee.contract
    lines = []
    if contract.monthly_licence_fee:
        lines.append(InvoiceLine("Monthly licence fee", _money(fee.licence_fee, contract)))
    reason = fee_no_share_reason(fee)
    if reason is not None:
        description = reason[0].upper() + reason[1:]
    elif isinstance(fee, CumulativeFeeComputation):
        description = _cumulative_share(fee)
    else:
        description = _monthly_share(fee)
    lines.append(InvoiceLine(description, _money(fee.share_fee, contract)))
    return tuple(lines)


def _cumulative_share(fee: CumulativeFeeComputation) -> str:
    contract = fee.contract
    bound = format_money(fee.incremental_lower_bound or Decimal(0), contract.currency)
    before = format_money(fee.billed_before, contract.currency)
    return (
        f"Revenue share: {contract.revenue_share_percent}% of {bound}, the lower bound on "
        f"incremental revenue since {contract.effective_from}, less {before} billed before"
    )


def _monthly_share(fee: FeeComputation) -> str:
    contract = fee.contract
    basis = "lower bound" if contract.basis == "lower_bound" else "point estimate, not safe"
    incremental = format_money(fee.incremental_revenue or Decimal(0), contract.currency)
    return (
        f"Revenue share: {contract.revenue_share_percent}% of incremental revenue "
        f"{incremental} ({basis}, {fee.treated_visitors:,} treated visitors)"
    )


def _settled(adjustments: tuple[Adjustment, ...], currency: str) -> str:
    """The statement's last sentence: what the invoice settles for earlier months."""
    if not adjustments:
        return ""
    months = ", ".join(a.period for a in adjustments)
    amount = sum((a.amount for a in adjustments), Decimal(0))
    return (
        f" It also settles entries that arrived after {months} had been invoiced: "
        f"{format_money(amount, currency, signed=True)}."
    )


def _money(amount: Decimal, contract: Contract) -> Decimal:
    return round_half_up(amount, contract.currency)
