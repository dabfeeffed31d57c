"""The uplift report: the three metrics between arms, the sample-ratio check, the gates.

Metrics are computed whenever the arithmetic allows, for the dashboard; the gates say
whether the report is sound enough to bill from. Revenue figures are in minor units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from billing.inference import Comparison, mean_estimate, ratio_estimate, welch_compare
from billing.srm import SampleRatioCheck, check_sample_ratio
from billing.sufficient import ExperimentStatistics

GateReason = Literal[
    "sample_ratio_mismatch", "below_minimum_visitors", "below_minimum_converting_visitors"
]


@dataclass(frozen=True)
class SampleGates:
    """Below these, or with a sample-ratio p-value under `sample_ratio_alpha`, bill no share."""

    minimum_visitors_per_arm: int = 1000
    minimum_converting_visitors_per_arm: int = 30
    sample_ratio_alpha: float = 0.001


@dataclass(frozen=True)
class UpliftReport:
    confidence_level: float
    sample_ratio: SampleRatioCheck
    conversion_rate: Comparison
    basket_value: Comparison
    revenue_per_visitor: Comparison
    failed_gates: tuple[GateReason, ...]

    @property
    def passes_gates(self) -> bool:
        return not self.failed_gates


def failed_gates(
    statistics: ExperimentStatistics, sample_ratio: SampleRatioCheck, gates: SampleGates
) -> tuple[GateReason, ...]:
    """The gates the statistics fail, in a fixed order; empty when a share may be billed."""
    arms = (statistics.treatment, statistics.holdout)
    failed: list[GateReason] = []
    if sample_ratio.mismatch(gates.sample_ratio_alpha):
        failed.append("sample_ratio_mismatch")
    if min(arm.visitors for arm in arms) < gates.minimum_visitors_per_arm:
        failed.append("below_minimum_visitors")
    if min(arm.converting_visitors for arm in arms) < gates.minimum_converting_visitors_per_arm:
        failed.append("below_minimum_converting_visitors")
    return tuple(failed)


def estimate_uplift(
    statistics: ExperimentStatistics,
    *,
    confidence_level: float,
    holdout_share: float,
    gates: SampleGates,
) -> UpliftReport:
    """Intervals are two-sided at `confidence_level`; lower bounds one-sided at the same."""
    treatment, holdout = statistics.treatment, statistics.holdout
    sample_ratio = check_sample_ratio(treatment.visitors, holdout.visitors, holdout_share)
    return UpliftReport(
        confidence_level=confidence_level,
        sample_ratio=sample_ratio,
        conversion_rate=welch_compare(
            mean_estimate(treatment.conversion),
            mean_estimate(holdout.conversion),
            confidence_level,
        ),
        basket_value=welch_compare(
            ratio_estimate(treatment.basket_value),
            ratio_estimate(holdout.basket_value),
            confidence_level,
        ),
        revenue_per_visitor=welch_compare(
            mean_estimate(treatment.revenue_per_visitor),
            mean_estimate(holdout.revenue_per_visitor),
            confidence_level,
        ),
        failed_gates=failed_gates(statistics, sample_ratio, gates),
    )
