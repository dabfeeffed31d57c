"""Welch comparison of two arms' means, the delta method for ratios and relative lift.

Results that cannot be computed carry a reason instead of raising (gbstats'
`_default_output`): an unavailable difference is all zeros with a p-value of 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from scipy import stats

from billing.sufficient import RatioSums, SampleMean

StatisticReason = Literal[
    "empty_arm", "too_few_visitors", "zero_denominator", "zero_variance", "zero_baseline"
]


@dataclass(frozen=True)
class ArmEstimate:
    """One arm's mean of a metric; `variance` is per visitor, so the mean's is variance / n."""

    n: int
    mean: float
    variance: float
    reason: StatisticReason | None = None


@dataclass(frozen=True)
class Difference:
    """A difference with its two-sided interval and one-sided lower bound, same confidence."""

    estimate: float
    standard_error: float
    ci_low: float
    ci_high: float
    lower_bound: float
    p_value: float
    reason: StatisticReason | None = None

    @property
    def available(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class Comparison:
    """Treatment against holdout: absolute (t - h) and relative (t / h - 1) differences."""

    treatment: ArmEstimate
    holdout: ArmEstimate
    degrees_of_freedom: float
    absolute: Difference
    relative: Difference


def _small_sample_reason(n: int) -> StatisticReason | None:
    if n == 0:
        return "empty_arm"
    return "too_few_visitors" if n < 2 else None


def mean_estimate(sums: SampleMean) -> ArmEstimate:
    return ArmEstimate(sums.n, sums.mean, sums.variance, _small_sample_reason(sums.n))


def ratio_estimate(sums: RatioSums) -> ArmEstimate:
    """Σx / Σy with its per-visitor variance by the delta method."""
    reason = _small_sample_reason(sums.n)
    if reason is None and sums.sum_y == 0:
        reason = "zero_denominator"
    if reason is not None:
        return ArmEstimate(sums.n, 0.0, 0.0, reason)
    mean_x, mean_y = sums.numerator.mean, sums.denominator.mean
    ratio = mean_x / mean_y
    variance = (
        sums.numerator.variance
        - 2 * ratio * sums.covariance
        + ratio * ratio * sums.denominator.variance
    ) / (mean_y * mean_y)
    return ArmEstimate(sums.n, ratio, max(variance, 0.0))


def _unavailable(reason: StatisticReason) -> Difference:
    return Difference(0.0, 0.0, 0.0, 0.0, 0.0, 1.0, reason)


def _difference(
    estimate: float, standard_error: float, dof: float, confidence: float
) -> Difference:
    two_sided = float(stats.t.ppf(0.5 + confidence / 2, dof))
    one_sided = float(stats.t.ppf(confidence, dof))
    p_value = float(2 * stats.t.sf(abs(estimate) / standard_error, dof))
    return Difference(
        estimate=estimate,
        standard_error=standard_error,
        ci_low=estimate - two_sided * standard_error,
        ci_high=estimate + two_sided * standard_error,
        lower_bound=estimate - one_sided * standard_error,
        p_value=p_value,
    )


def welch_compare(treatment: ArmEstimate, holdout: ArmEstimate, confidence: float) -> Comparison:
    """Welch's unequal-variance t interval with Welch-Satterthwaite degrees of freedom."""
    reason = treatment.reason or holdout.reason
    mean_variance_t = treatment.variance / treatment.n if treatment.n else 0.0
    mean_variance_h = holdout.variance / holdout.n if holdout.n else 0.0
    if reason is None and mean_variance_t + mean_variance_h == 0:
        reason = "zero_variance"
    if reason is not None:
        return Comparison(treatment, holdout, 0.0, _unavailable(reason), _unavailable(reason))
    variance = mean_variance_t + mean_variance_h
    dof = variance**2 / (
        mean_variance_t**2 / (treatment.n - 1) + mean_variance_h**2 / (holdout.n - 1)
    )
    absolute = _difference(treatment.mean - holdout.mean, math.sqrt(variance), dof, confidence)
    return Comparison(
        treatment, holdout, dof, absolute, _relative(treatment, holdout, dof, confidence)
    )


def _relative(
    treatment: ArmEstimate, holdout: ArmEstimate, dof: float, confidence: float
) -> Difference:
    # delta method for t / h - 1, treating the arms as independent
    if holdout.mean == 0:
        return _unavailable("zero_baseline")
    baseline = holdout.mean
    variance = treatment.variance / treatment.n / baseline**2 + (
        treatment.mean**2 * holdout.variance / holdout.n / baseline**4
    )
    if variance == 0:
        return _unavailable("zero_variance")
    return _difference(treatment.mean / baseline - 1, math.sqrt(variance), dof, confidence)


def mean_interval(arm: ArmEstimate, confidence: float) -> tuple[float, float, float] | None:
    """One arm's mean with its two-sided t interval at `confidence` (the mean's own
    uncertainty, not the difference's); None below two visitors."""
    if arm.reason is not None:
        return None
    half = float(stats.t.ppf(0.5 + confidence / 2, arm.n - 1)) * math.sqrt(arm.variance / arm.n)
    return arm.mean, arm.mean - half, arm.mean + half
