"""A period's fee under the contract in force, by its basis: what an invoice and the
dashboard both compute, so they cannot differ.

The monthly bases (`lower_bound`, `point`) price the period from its own statistics. The
cumulative basis prices it from every period since the contract version took effect, one
row a visitor (`billing.contract_to_date`, with the CUPED covariate), at the look after the
earlier invoices' looks (`billing.group_sequential`), less the share billed before under
the version: the share of each earlier period's invoice in effect, issued and not voided.

Earlier periods must be invoiced first (issued, or voided with nothing in their place), so
no share is ever counted twice or missed: `EarlierPeriodOpen` says which one is not. Every
month counts with what arrived after its lock (`billing.late_adjustments` reports those
entries). Each month's traffic is checked (`billing.traffic_quality`): a flagged month
bills no share, and its visitors stay out of the cumulative sums of later months too.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from billing.contract_to_date import contract_to_date
from billing.contracts import Contract
from billing.day_statistics import late_statistics, period_statistics
from billing.errors import EarlierPeriodOpen
from billing.fees import PeriodFee, compute_cumulative_fee, compute_fee
from billing.invoice_records import find_invoice
from billing.invoices import Invoice
from billing.periods import Period
from billing.traffic_quality import TrafficQuality, traffic_quality


async def period_fee(
    redis: Any,
    contract: Contract,
    period: Period,
    revenue_cap_minor: int | None,
    *,
    preview: bool = False,
    quality: TrafficQuality | None = None,
) -> PeriodFee:
    """The period's fee; `revenue_cap_minor` is the period's lock's (monthly bases).

    A `preview` (the dashboard's month so far) does not stop at an earlier period still
    open: its draft counts as billed, and a period not yet run as nothing billed. `quality`
    is the month's traffic verdict when the caller has it already.
    """
    cap = revenue_cap_minor if contract.basis != "cumulative" else contract.revenue_cap_minor
    month = await period_statistics(redis, contract.shop, period, contract.currency, cap)
    if quality is None:
        quality = await traffic_quality(
            redis,
            contract.shop,
            period,
            month,
            contract.holdout_share,
            contract.gates.sample_ratio_alpha,
        )
    # a reissued month is priced with what arrived after its lock (a first draft has none)
    month += await late_statistics(redis, contract.shop, period, contract.currency, cap)
    if contract.basis != "cumulative":
        return compute_fee(contract, month, quality)
    billed_before, counted, looks = Decimal(0), [], []  # looks: visitors at earlier bounds
    for earlier in contract_periods(contract, period)[:-1]:
        invoice = await find_invoice(redis, contract.shop, earlier)
        billed_before += _billed_share(invoice, earlier, preview)
        if invoice is not None and _flagged(invoice):
            continue  # a month whose traffic was flagged counts for nothing, then or later
        counted.append(earlier)
        if invoice is not None and invoice.status != "draft":
            looks.append(invoice.draft.evidence["bound"]["visitors"])
    statistics, pre_period = await contract_to_date(
        redis, contract.shop, [*counted, period], contract.currency, cap
    )
    return compute_cumulative_fee(
        contract,
        statistics,
        billed_before,
        contract.design,
        pre_period,
        earlier_looks=tuple(looks),
        quality=quality,
    )


def contract_periods(contract: Contract, last: Period) -> list[Period]:
    """The periods from the version's first to `last`, oldest first."""
    periods = [Period.of(contract.effective_from)]
    while periods[-1] < last:
        periods.append(periods[-1].next())
    return periods


def _flagged(invoice: Invoice) -> bool:
    quality = invoice.draft.traffic_quality
    return quality is not None and quality.flagged


def _billed_share(invoice: Invoice | None, period: Period, preview: bool) -> Decimal:
    if not preview and (invoice is None or invoice.status == "draft"):
        state = "has no invoice" if invoice is None else "has a draft not yet issued"
        raise EarlierPeriodOpen(str(period), state)
    if invoice is None or invoice.status == "void":
        return Decimal(0)
    return Decimal(invoice.draft.evidence["share_fee"])
