"""Invoices and credit notes as values: what a period's fee puts on paper.

A draft holds the lines, the total and the evidence (the fee computation's JSON), fixed
when the period is run; issuing adds a number, a date and both parties; voiding adds a
credit note with its own number. None of these parts is ever rewritten.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import orjson

from billing.contracts import Contract
from billing.currency import decimal_as_string, round_half_up
from billing.fees import FeeComputation, compute_fee
from billing.parties import Party
from billing.period_lock import PeriodLock
from billing.sufficient import ExperimentStatistics
from billing.traffic_quality import TrafficQuality

InvoiceStatus = Literal["draft", "issued", "void"]
DocumentKind = Literal["invoice", "credit_note"]


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    amount: Decimal


@dataclass(frozen=True)
class Draft:
    shop: str
    period: str
    currency: str
    created_at: datetime.datetime
    lines: tuple[InvoiceLine, ...]
    total: Decimal
    contract_version: int
    lock: PeriodLock
    evidence: dict[str, Any]

    @classmethod
    def of_fee(
        cls, fee: FeeComputation, period: str, lock: PeriodLock, at: datetime.datetime
    ) -> Draft:
        contract = fee.contract
        return cls(
            shop=contract.shop,
            period=period,
            currency=contract.currency,
            created_at=at,
            lines=invoice_lines(fee),
            total=round_half_up(fee.total, contract.currency),
            contract_version=contract.version,
            lock=lock,
            evidence=orjson.loads(fee.to_json()),
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
                "lock": PeriodLock(
                    lock["revenue_cap_minor"],
                    lock["cap_source"],
                    datetime.datetime.fromisoformat(lock["locked_at"]),
                ),
            }
        )

    def recompute(self) -> FeeComputation:
        """The fee again, from the evidence's contract and statistics alone."""
        contract = Contract.from_dict(self.evidence["contract"])
        statistics = ExperimentStatistics.from_dict(self.evidence["statistics"])
        quality = self.evidence.get("traffic_quality")
        return compute_fee(contract, statistics, quality and TrafficQuality.from_dict(quality))


@dataclass(frozen=True)
class Issue:
    """What issuing adds to a draft, or to a credit note of an issued invoice."""

    number: str
    issued_at: datetime.datetime
    seller: Party
    buyer: Party
    reason: str | None = None

    def to_json(self) -> bytes:
        """Everything but the number, which the issuing script assigns."""
        data = dataclasses.asdict(self)
        del data["number"]
        return orjson.dumps(data)

    @classmethod
    def from_json(cls, number: str, text: str | bytes) -> Issue:
        data = orjson.loads(text)
        return cls(
            number=number,
            issued_at=datetime.datetime.fromisoformat(data["issued_at"]),
            seller=Party.from_dict(data["seller"]),
            buyer=Party.from_dict(data["buyer"]),
            reason=data["reason"],
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


def invoice_lines(fee: FeeComputation) -> tuple[InvoiceLine, ...]:
    contract = fee.contract
    lines = []
    if contract.monthly_licence_fee:
        lines.append(InvoiceLine("Monthly licence fee", _money(fee.licence_fee, contract)))
    if fee.charges_share:
        basis = "lower bound" if contract.basis == "lower_bound" else "point estimate"
        incremental = _money(fee.incremental_revenue or Decimal(0), contract)
        description = (
            f"Revenue share: {contract.revenue_share_percent}% of incremental revenue "
            f"{incremental} {contract.currency} ({basis}, {fee.treated_visitors} treated visitors)"
        )
    else:
        description = f"Revenue share not charged: {', '.join(fee.no_share_reasons)}"
    lines.append(InvoiceLine(description, _money(fee.share_fee, contract)))
    return tuple(lines)


def _money(amount: Decimal, contract: Contract) -> Decimal:
    return round_half_up(amount, contract.currency)
