"""Entries that arrived after a month was invoiced, on the next invoice: adjustments, not drops.

The ledger keeps what arrives after a period's lock apart (late sums, and the late entries
as evidence: `billing.ledger.late_entries`). Each invoice looks back over the months before
it that were invoiced and issued, and for each with late entries it has not yet reported:
- on a monthly basis, it re-prices that month from its locked plus late statistics under the
  month's own contract, cap and traffic verdict (all from its invoice's evidence) and bills
  the difference from what that month's share has come to so far (its invoice and earlier
  adjustments): a refund can give a negative line, a late order a positive one;
- on the cumulative basis, the late sums are already in the statistics the bound is taken
  from, so the line only reports them (amount 0): the true-up bills or holds back the rest.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from billing.contracts import Contract
from billing.currency import from_minor_units
from billing.day_statistics import corrected_statistics
from billing.fees import compute_fee
from billing.invoice_records import find_invoice
from billing.invoices import Adjustment, Invoice
from billing.ledger import late_entries
from billing.periods import Period

LOOK_BACK_MONTHS = 12


async def late_adjustments(
    redis: Any, contract: Contract, period: Period
) -> tuple[Adjustment, ...]:
    """The adjustments the invoice of `period` carries for the months before it."""
    earlier = [await _in_effect(redis, contract.shop, month) for month in _before(period)]
    issued = [(month, invoice) for month, invoice in earlier if invoice is not None]
    found: list[Adjustment] = []
    for index, (month, invoice) in enumerate(issued):
        later = [invoice for _, invoice in issued[index + 1 :]]
        entries = await late_entries(redis, contract.shop, month)
        reported = _reported(later, str(month))
        counted = max(reported.late_entries, invoice.draft.late_included)
        if len(entries) <= counted:
            continue
        new = entries[counted:]
        revenue = sum(entry.revenue_minor for entry in new)
        adjustment = Adjustment(
            period=str(month),
            late_entries=len(entries),
            new_entries=len(new),
            revenue_change=from_minor_units(revenue, invoice.draft.currency),
            corrected_share=None,
            amount=Decimal(0),
        )
        if _basis(invoice) != "cumulative":
            corrected = await _corrected_share(redis, invoice, month)
            billed = reported.corrected_share
            if billed is None:
                billed = Decimal(invoice.draft.evidence["share_fee"])
            adjustment = dataclasses.replace(
                adjustment, corrected_share=corrected, amount=corrected - billed
            )
        found.append(adjustment)
    return tuple(found)


def _before(period: Period) -> list[Period]:
    months = [period.previous()]
    while len(months) < LOOK_BACK_MONTHS:
        months.append(months[-1].previous())
    return months[::-1]


async def _in_effect(redis: Any, shop: str, month: Period) -> tuple[Period, Invoice | None]:
    """The month's invoice when it is issued and not void: what its shop was billed."""
    invoice = await find_invoice(redis, shop, month)
    return month, invoice if invoice is not None and invoice.status == "issued" else None


def _reported(later: list[Invoice], month: str) -> Adjustment:
    """The last adjustment of `month` on an issued invoice after it, or none yet (a
    reissued month's own invoice counts the late entries it was priced with, `late_included`)."""
    for invoice in reversed(later):
        for adjustment in invoice.draft.adjustments:
            if adjustment.period == month:
                return adjustment
    return Adjustment(month, 0, 0, Decimal(0), None, Decimal(0))


def _basis(invoice: Invoice) -> str:
    basis: str = invoice.draft.evidence["contract"]["basis"]
    return basis


async def _corrected_share(redis: Any, invoice: Invoice, month: Period) -> Decimal:
    evidence = invoice.draft.evidence
    contract = Contract.from_dict(evidence["contract"])
    cap = invoice.draft.lock.revenue_cap_minor
    corrected = await corrected_statistics(redis, contract.shop, month, contract.currency, cap)
    return compute_fee(contract, corrected, invoice.draft.traffic_quality).share_fee
