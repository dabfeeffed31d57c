"""The fee of one shop for one month, with the evidence its invoice shows.

Money is Decimal end to end: the revenue-per-visitor difference leaves the statistics as
the Decimal of its float's shortest repr, and the share fee is rounded half-up once, to the
currency's minor unit. Licence, minimum and cap lie on that grid already (the contract
checks), so the total is exact.

Monotonicity. On the `point` basis more treated revenue never lowers the fee and more holdout
revenue never raises it. The `lower_bound` basis (the default) lacks that property: one
treated visitor who spends far more widens the interval more than it lifts the mean, so the
fee can fall. The per-visitor revenue cap bounds this: the statistics billed from are
capped (the contract's cap, or the pooled 99.9th percentile fixed once at the period's
lock), so any one visitor moves the capped mean by at most cap / treated visitors and the
variance by a bounded amount, and spending above the cap changes nothing at all.

The cumulative basis (`compute_cumulative_fee`) bills each month the true-up
share × max(0, L_t) − share billed before under the contract, floored at 0, where L_t is the
lower bound on incremental revenue since the contract started, valid at every monthly
invoice at once (`billing.cumulative`, `billing.group_sequential`). Nothing is ever
credited back: when the bound falls, the month bills nothing until it rises past what was
billed. The month's minimum and cap apply to the
true-up, and `billed_before` is what was actually billed as share, so an amount held back by
the cap is billed in a later month and a minimum fee counts towards the bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Literal

import orjson

from billing.contracts import Contract
from billing.cumulative import BoundReason, CumulativeBound, cumulative_bound
from billing.currency import (
    MONEY_PRECISION,
    decimal_as_string,
    is_whole_minor_units,
    minor_unit_exponent,
    round_half_up,
)
from billing.errors import IncompatibleStatistics, InvalidBilledAmount
from billing.evidence import ArmRow, arm_table
from billing.group_sequential import SequenceDesign
from billing.inference import StatisticReason
from billing.srm import SampleRatioCheck, check_sample_ratio
from billing.sufficient import ExperimentStatistics, PrePeriodStatistics
from billing.traffic_quality import QualityReason, TrafficQuality, quality_reasons
from billing.uplift import GateReason, UpliftReport, failed_gates

NoShareReason = Literal[GateReason, StatisticReason, QualityReason, BoundReason]


class _Evidence:
    no_share_reasons: tuple[NoShareReason, ...]

    @property
    def charges_share(self) -> bool:
        return not self.no_share_reasons

    def to_json(self) -> bytes:
        """UTF-8 JSON; Decimals as strings so that no amount passes through a float."""
        return orjson.dumps(self, default=decimal_as_string)


@dataclass(frozen=True)
class FeeComputation(_Evidence):
    """Everything an invoice needs: the contract, the sums, the report and the money.

    `revenue_per_visitor_difference` is in major units per visitor on the contract's basis;
    `incremental_revenue` is unrounded; both are None when no share is charged.
    """

    contract: Contract
    statistics: ExperimentStatistics
    arm_table: tuple[ArmRow, ArmRow]
    uplift: UpliftReport
    no_share_reasons: tuple[NoShareReason, ...]
    treated_visitors: int
    revenue_per_visitor_difference: Decimal | None
    incremental_revenue: Decimal | None
    share_fee: Decimal
    licence_fee: Decimal
    total: Decimal
    traffic_quality: TrafficQuality | None = None


@dataclass(frozen=True)
class CumulativeFeeComputation(_Evidence):
    """This month's share on the cumulative basis, with the evidence behind it.

    `statistics` are the sums since the contract started. `incremental_lower_bound` is L_t in
    major units (exact from the bound's float) and `share_due` is share × max(0, L_t),
    unrounded; both None when no share is charged.
    """

    contract: Contract
    design: SequenceDesign
    statistics: ExperimentStatistics
    pre_period: PrePeriodStatistics | None
    sample_ratio: SampleRatioCheck
    bound: CumulativeBound
    no_share_reasons: tuple[NoShareReason, ...]
    incremental_lower_bound: Decimal | None
    share_due: Decimal | None
    billed_before: Decimal
    share_fee: Decimal
    licence_fee: Decimal
    total: Decimal
    traffic_quality: TrafficQuality | None = None


PeriodFee = FeeComputation | CumulativeFeeComputation


def compute_fee(
    contract: Contract, statistics: ExperimentStatistics, quality: TrafficQuality | None = None
) -> FeeComputation:
    """The month's fee from the month's statistics under one contract version; a flagged
    `quality` (billing.traffic_quality) bills no share."""
    _check_compatible(contract, statistics)
    uplift = contract.uplift(statistics)
    difference = uplift.revenue_per_visitor.absolute
    reasons: tuple[NoShareReason, ...] = uplift.failed_gates + quality_reasons(quality)
    if difference.reason is not None:
        reasons += (difference.reason,)
    treated = statistics.treatment.visitors
    per_visitor = incremental = None
    share_fee = Decimal(0)
    if not reasons:
        on_basis = (
            difference.lower_bound if contract.basis == "lower_bound" else difference.estimate
        )
        per_visitor, incremental = _incremental(contract, on_basis, treated)
        share_fee = _bounded_share(contract, _share_of(contract, incremental))
    return FeeComputation(
        contract=contract,
        statistics=statistics,
        arm_table=arm_table(statistics),
        uplift=uplift,
        no_share_reasons=reasons,
        treated_visitors=treated,
        revenue_per_visitor_difference=per_visitor,
        incremental_revenue=incremental,
        share_fee=share_fee,
        licence_fee=contract.monthly_licence_fee,
        total=contract.monthly_licence_fee + share_fee,
        traffic_quality=quality,
    )


def compute_cumulative_fee(
    contract: Contract,
    statistics: ExperimentStatistics,
    billed_before: Decimal,
    design: SequenceDesign,
    pre_period: PrePeriodStatistics | None = None,
    *,
    earlier_looks: tuple[int, ...] = (),
    quality: TrafficQuality | None = None,
) -> CumulativeFeeComputation:
    """This month's fee from the sums since the contract started and the share billed before.

    The gates are checked on the cumulative sums; `pre_period` (the same visitors' sums before
    their exposure) adds the regression adjustment. `earlier_looks` are the cumulative
    visitors (both arms) at each earlier monthly invoice under the contract, oldest first,
    from those invoices' evidence: the bound's critical value depends on them.
    """
    _check_compatible(contract, statistics)
    if not (is_whole_minor_units(billed_before, contract.currency) and billed_before >= 0):
        raise InvalidBilledAmount(billed_before, contract.currency)
    sample_ratio = check_sample_ratio(
        statistics.treatment.visitors, statistics.holdout.visitors, contract.holdout_share
    )
    bound = cumulative_bound(statistics, design, pre_period, earlier_looks=earlier_looks)
    reasons: tuple[NoShareReason, ...] = failed_gates(statistics, sample_ratio, contract.gates)
    reasons += quality_reasons(quality)
    if bound.reason is not None:
        reasons += (bound.reason,)
    lower = due = None
    share_fee = Decimal(0)
    if not reasons:
        _, lower = _incremental(contract, bound.lower_bound, bound.treated_visitors)
        due = _share_of(contract, lower)
        with localcontext(prec=MONEY_PRECISION):
            share_fee = _bounded_share(contract, max(Decimal(0), due - billed_before))
    return CumulativeFeeComputation(
        contract=contract,
        design=design,
        statistics=statistics,
        pre_period=pre_period,
        sample_ratio=sample_ratio,
        bound=bound,
        no_share_reasons=reasons,
        incremental_lower_bound=lower,
        share_due=due,
        billed_before=billed_before,
        share_fee=share_fee,
        licence_fee=contract.monthly_licence_fee,
        total=contract.monthly_licence_fee + share_fee,
        traffic_quality=quality,
    )


def _incremental(
    contract: Contract, difference_minor: float, treated_visitors: int
) -> tuple[Decimal, Decimal]:
    """The per-visitor difference and the incremental revenue, both exact, in major units."""
    with localcontext(prec=MONEY_PRECISION):
        exponent = minor_unit_exponent(contract.currency)
        per_visitor = Decimal(repr(difference_minor)).scaleb(-exponent)
        return per_visitor, treated_visitors * per_visitor


def _share_of(contract: Contract, incremental: Decimal) -> Decimal:
    with localcontext(prec=MONEY_PRECISION):
        return contract.revenue_share_percent / 100 * max(Decimal(0), incremental)


def _bounded_share(contract: Contract, share: Decimal) -> Decimal:
    """The month's share within the contract's minimum and cap, rounded once."""
    with localcontext(prec=MONEY_PRECISION):
        share = max(share, contract.minimum_fee)
        if contract.fee_cap is not None:
            share = min(share, contract.fee_cap)
        return round_half_up(share, contract.currency)


def _check_compatible(contract: Contract, statistics: ExperimentStatistics) -> None:
    if statistics.currency != contract.currency:
        raise IncompatibleStatistics(
            f"statistics in {statistics.currency}, contract in {contract.currency}"
        )
    cap = contract.revenue_cap_minor
    if cap is not None and statistics.revenue_cap_minor != cap:
        raise IncompatibleStatistics(
            f"statistics capped at {statistics.revenue_cap_minor} minor units, contract at {cap}"
        )
