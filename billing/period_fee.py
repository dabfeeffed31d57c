"""A period's fee under the contract in force, by its basis: what an invoice and the
dashboard both compute, so they cannot differ.

The monthly bases (`lower_bound`, `point`) price the period from its own statistics. The
cumulative basis prices it from every period since the contract version took effect (each
under the version's one cap), less the share billed before under the version: the share of
each earlier period's invoice in effect that was issued and not voided. Earlier periods must
be invoiced first (issued, or voided with nothing in their place), so no share is ever
counted twice or missed: `EarlierPeriodOpen` says which one is not.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from billing.contracts import Contract
from billing.day_statistics import period_statistics
from billing.errors import EarlierPeriodOpen
from billing.fees import PeriodFee, compute_cumulative_fee, compute_fee
from billing.invoice_records import find_invoice
from billing.invoices import Invoice
from billing.periods import Period
from billing.sufficient import ExperimentStatistics


async def period_fee(
    redis: Any,
    contract: Contract,
    period: Period,
    revenue_cap_minor: int | None,
    *,
    preview: bool = False,
) -> PeriodFee:
    """The period's fee; `revenue_cap_minor` is the period's lock's (monthly bases).

    A `preview` (the dashboard's month so far) does not stop at an earlier period still
    open: its draft counts as billed, and a period not yet run as nothing billed.
    """
    if contract.basis != "cumulative":
        statistics = await period_statistics(
            redis, contract.shop, period, contract.currency, revenue_cap_minor
        )
        return compute_fee(contract, statistics)
    statistics = ExperimentStatistics(contract.currency, contract.revenue_cap_minor)
    billed_before = Decimal(0)
    for earlier in contract_periods(contract, period):
        statistics += await period_statistics(
            redis, contract.shop, earlier, contract.currency, contract.revenue_cap_minor
        )
        if earlier != period:
            invoice = await find_invoice(redis, contract.shop, earlier)
            billed_before += _billed_share(invoice, earlier, preview)
    return compute_cumulative_fee(contract, statistics, billed_before, contract.design)


def contract_periods(contract: Contract, last: Period) -> list[Period]:
    """The periods from the version's first to `last`, oldest first."""
    periods = [Period.of(contract.effective_from)]
    while periods[-1] < last:
        periods.append(periods[-1].next())
    return periods


def _billed_share(invoice: Invoice | None, period: Period, preview: bool) -> Decimal:
    if not preview and (invoice is None or invoice.status == "draft"):
        state = "has no invoice" if invoice is None else "has a draft not yet issued"
        raise EarlierPeriodOpen(str(period), state)
    if invoice is None or invoice.status == "void":
        return Decimal(0)
    return Decimal(invoice.draft.evidence["share_fee"])
