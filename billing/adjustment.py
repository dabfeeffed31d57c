"""Regression adjustment (CUPED) of revenue per visitor on what visitors spent before.

Method (Deng, Xu, Kohavi, Walker, "Improving the sensitivity of online controlled experiments
by utilizing pre-experiment data", WSDM 2013; GrowthBook's `RegressionAdjustedStatistic`):
each arm's mean revenue y is replaced by ȳ − θ x̄, where x is the visitor's capped revenue
before their first exposure. The treatment cannot move x, so E[x̄_t − x̄_h] = 0 and the
difference of adjusted means is unbiased for any fixed θ. With arms of unequal size one θ for
both arms that minimises the variance of the difference is

    θ = (c_t / n_t + c_h / n_h) / (v_t / n_t + v_h / n_h),

c the covariance of x and y and v the variance of x in each arm. θ is estimated from all
visitors so far; its error moves the difference by (θ̂ − θ)(x̄_t − x̄_h) = O(log log n / n),
negligible beside the bound's width, so the group-sequential bound of
`billing.group_sequential` applies to the adjusted difference as to the plain one.
Everything comes from additive sums (`CovariateSums`), so daily rollups still combine exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from billing.inference import ArmEstimate, mean_estimate
from billing.sufficient import Arm, ExperimentStatistics, PrePeriodStatistics


@dataclass(frozen=True)
class AdjustedArms:
    """Both arms' adjusted revenue per visitor (minor units) and the θ that adjusted them."""

    treatment: ArmEstimate
    holdout: ArmEstimate
    theta: float


def adjusted_arms(
    statistics: ExperimentStatistics, pre_period: PrePeriodStatistics | None
) -> AdjustedArms:
    """Without pre-period sums, or with a covariate that never varies, θ is 0 (no adjustment)."""
    plain = {arm: mean_estimate(statistics.arm(arm).revenue_per_visitor) for arm in _ARMS}
    if pre_period is None or any(estimate.reason for estimate in plain.values()):
        return AdjustedArms(plain["treatment"], plain["holdout"], 0.0)
    pairs = {arm: pre_period.arm(arm).with_revenue(statistics.arm(arm)) for arm in _ARMS}
    covariance = sum(pairs[arm].covariance / pairs[arm].n for arm in _ARMS)
    covariate_variance = sum(pairs[arm].denominator.variance / pairs[arm].n for arm in _ARMS)
    theta = covariance / covariate_variance if covariate_variance > 0 else 0.0
    adjusted = {
        arm: ArmEstimate(
            n=plain[arm].n,
            mean=plain[arm].mean - theta * pairs[arm].denominator.mean,
            variance=max(
                plain[arm].variance
                - 2 * theta * pairs[arm].covariance
                + theta * theta * pairs[arm].denominator.variance,
                0.0,
            ),
        )
        for arm in _ARMS
    }
    return AdjustedArms(adjusted["treatment"], adjusted["holdout"], theta)


_ARMS: tuple[Arm, Arm] = ("treatment", "holdout")
