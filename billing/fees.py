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
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Literal

import orjson

from billing.contracts import Contract
from billing.currency import (
    MONEY_PRECISION,
    decimal_as_string,
    minor_unit_exponent,
    round_half_up,
)
from billing.errors import IncompatibleStatistics
from billing.evidence import ArmRow, arm_table
from billing.inference import StatisticReason
from billing.sufficient import ExperimentStatistics
from billing.uplift import GateReason, UpliftReport, estimate_uplift

NoShareReason = Literal[GateReason, StatisticReason]


@dataclass(frozen=True)
class FeeComputation:
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

    @property
    def charges_share(self) -> bool:
        return not self.no_share_reasons

    def to_json(self) -> bytes:
        """UTF-8 JSON; Decimals as strings so that no amount passes through a float."""
        return orjson.dumps(self, default=decimal_as_string)


def compute_fee(contract: Contract, statistics: ExperimentStatistics) -> FeeComputation:
    """The month's fee from the month's statistics under one contract version."""
    _check_compatible(contract, statistics)
    uplift = estimate_uplift(
        statistics,
        confidence_level=contract.confidence_level,
        holdout_share=contract.holdout_share,
        gates=contract.gates,
    )
    difference = uplift.revenue_per_visitor.absolute
    reasons: tuple[NoShareReason, ...] = uplift.failed_gates
    if difference.reason is not None:
        reasons += (difference.reason,)
    treated = statistics.treatment.visitors
    per_visitor = incremental = None
    share_fee = Decimal(0)
    if not reasons:
        on_basis = (
            difference.lower_bound if contract.basis == "lower_bound" else difference.estimate
        )
        per_visitor, incremental, share_fee = _share_fee(contract, on_basis, treated)
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
    )


def _share_fee(
    contract: Contract, difference_minor: float, treated_visitors: int
) -> tuple[Decimal, Decimal, Decimal]:
    """Per-visitor difference and incremental revenue, both exact, and the rounded share fee."""
    with localcontext(prec=MONEY_PRECISION):
        exponent = minor_unit_exponent(contract.currency)
        per_visitor = Decimal(repr(difference_minor)).scaleb(-exponent)
        incremental = treated_visitors * per_visitor
        share = contract.revenue_share_percent / 100 * max(Decimal(0), incremental)
        share = max(share, contract.minimum_fee)
        if contract.fee_cap is not None:
            share = min(share, contract.fee_cap)
        return per_visitor, incremental, round_half_up(share, contract.currency)


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
