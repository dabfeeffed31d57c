from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import stats

from billing.inference import (
    ArmEstimate,
    Comparison,
    mean_estimate,
    ratio_estimate,
    welch_compare,
)
from billing.sufficient import RatioSums, SampleMean
from tests.billing.samples import BASKETS, HOLDOUT_MIX, TREATED_MIX

TREATMENT = [1200, 0, 0, 3550, 800, 0, 1900, 0, 4200, 500, 0, 2750]
HOLDOUT = [0, 900, 0, 0, 1500, 0, 2200, 0, 650, 0]


def _sums(values: list[int]) -> SampleMean:
    return SampleMean(len(values), sum(values), sum(v * v for v in values))


def _compare(treatment: list[int], holdout: list[int], confidence: float = 0.95) -> Comparison:
    return welch_compare(mean_estimate(_sums(treatment)), mean_estimate(_sums(holdout)), confidence)


def test_welch_matches_scipy() -> None:
    result = _compare(TREATMENT, HOLDOUT)
    reference = stats.ttest_ind(TREATMENT, HOLDOUT, equal_var=False)
    interval = reference.confidence_interval(0.95)
    assert result.degrees_of_freedom == pytest.approx(reference.df, abs=1e-9)
    assert result.absolute.p_value == pytest.approx(reference.pvalue, abs=1e-12)
    assert (result.absolute.ci_low, result.absolute.ci_high) == pytest.approx(
        (interval.low, interval.high), abs=1e-8
    )


def test_lower_bound_matches_scipy_one_sided_interval() -> None:
    reference = stats.ttest_ind(TREATMENT, HOLDOUT, equal_var=False, alternative="greater")
    expected = reference.confidence_interval(0.95).low
    assert _compare(TREATMENT, HOLDOUT).absolute.lower_bound == pytest.approx(expected, abs=1e-8)


def test_golden_absolute_difference() -> None:
    absolute = _compare(TREATMENT, HOLDOUT).absolute
    assert round(absolute.estimate, 5) == 716.66667
    assert (round(absolute.ci_low, 5), round(absolute.ci_high, 5)) == (-344.35599, 1777.68933)
    assert (round(absolute.lower_bound, 5), round(absolute.p_value, 5)) == (-158.25654, 0.1723)


def test_golden_relative_difference() -> None:
    relative = _compare(TREATMENT, HOLDOUT).relative
    assert round(relative.estimate, 5) == 1.36508
    assert (round(relative.ci_low, 5), round(relative.ci_high, 5)) == (-1.57929, 4.30945)


def test_golden_basket_value_ratio() -> None:
    # revenue 1000, 3000, 2000 over orders 1, 2, 1, among five visitors
    x, y = np.array([1000, 3000, 2000, 0, 0]), np.array([1, 2, 1, 0, 0])
    sums = RatioSums(5, int(x.sum()), int(y.sum()), int(x @ x), int(y @ y), int(x @ y))
    estimate = ratio_estimate(sums)
    gradient = np.array([1 / y.mean(), -x.mean() / y.mean() ** 2])
    assert (estimate.mean, round(estimate.variance, 5)) == (1500.0, 195312.5)
    assert estimate.variance == pytest.approx(gradient @ np.cov(x, y) @ gradient, rel=1e-12)


@pytest.mark.parametrize(
    ("treatment", "holdout", "reason"),
    [
        ([], [1, 2], "empty_arm"),
        ([5], [1, 2], "too_few_visitors"),
        ([3, 3, 3], [3, 3], "zero_variance"),
    ],
)
def test_what_cannot_be_computed_carries_a_reason(
    treatment: list[int], holdout: list[int], reason: str
) -> None:
    result = _compare(treatment, holdout)
    assert (result.absolute.reason, result.relative.reason) == (reason, reason)
    assert (result.absolute.estimate, result.absolute.p_value) == (0.0, 1.0)


def test_relative_lift_needs_a_baseline() -> None:
    result = _compare([0, 2, 4], [0, 0, 0])
    assert (result.absolute.available, result.relative.reason) == (True, "zero_baseline")


def test_ratio_without_orders_has_no_mean() -> None:
    assert ratio_estimate(RatioSums(3, 0, 0, 0, 0, 0)).reason == "zero_denominator"


# Seeded simulations: each arm is (runs, visitors) of revenue in minor units.


def _draw(
    rng: np.random.Generator, mix: NDArray[np.float64], runs: int, n: int
) -> NDArray[np.int64]:
    return rng.choice(BASKETS, size=(runs, n), p=mix)


def _row_sums(values: NDArray[np.int64]) -> list[SampleMean]:
    n = values.shape[1]
    totals, squares = values.sum(axis=1), (values * values).sum(axis=1)
    return [SampleMean(n, int(t), int(s)) for t, s in zip(totals, squares, strict=True)]


def _simulate(treated_mix: NDArray[np.float64], runs: int = 1000) -> list[Comparison]:
    rng = np.random.default_rng(20261001)
    treated, holdout = _draw(rng, treated_mix, runs, 2000), _draw(rng, HOLDOUT_MIX, runs, 1500)
    return [
        welch_compare(mean_estimate(t), mean_estimate(h), 0.95)
        for t, h in zip(_row_sums(treated), _row_sums(holdout), strict=True)
    ]


def _within_binomial(count: int, runs: int, rate: float) -> bool:
    low, high = stats.binom.ppf([0.0005, 0.9995], runs, rate)
    return bool(low <= count <= high)


def test_a_a_simulation_rejects_at_the_nominal_rate() -> None:
    results = _simulate(HOLDOUT_MIX)
    rejections = sum(result.absolute.p_value < 0.05 for result in results)
    false_charges = sum(result.absolute.lower_bound > 0 for result in results)
    assert _within_binomial(rejections, 1000, 0.05)
    assert _within_binomial(false_charges, 1000, 0.05)


def test_injected_uplift_is_inside_the_interval_at_the_nominal_rate() -> None:
    true_difference = float(BASKETS @ TREATED_MIX - BASKETS @ HOLDOUT_MIX)
    true_lift = float(BASKETS @ TREATED_MIX / (BASKETS @ HOLDOUT_MIX) - 1)
    differences = [(r.absolute, r.relative) for r in _simulate(TREATED_MIX)]
    covered = sum(a.ci_low <= true_difference <= a.ci_high for a, _ in differences)
    below = sum(a.lower_bound <= true_difference for a, _ in differences)
    covered_lift = sum(r.ci_low <= true_lift <= r.ci_high for _, r in differences)
    assert all(_within_binomial(count, 1000, 0.95) for count in (covered, below, covered_lift))


def _basket_estimates(rng: np.random.Generator, runs: int, n: int) -> list[ArmEstimate]:
    orders = rng.choice([0, 1, 2, 3], size=(runs, n), p=[0.9, 0.07, 0.02, 0.01])
    revenue = orders * rng.choice(BASKETS[1:], size=(runs, n), p=[0.6, 0.3, 0.08, 0.02])
    columns = (revenue, orders, revenue * revenue, orders * orders, revenue * orders)
    sums = np.stack([column.sum(axis=1) for column in columns], axis=1).tolist()
    return [ratio_estimate(RatioSums(n, *row)) for row in sums]


def test_delta_method_variance_of_basket_value_matches_simulation() -> None:
    estimates = _basket_estimates(np.random.default_rng(7), runs=2000, n=2000)
    simulated_sd = np.std([e.mean for e in estimates], ddof=1)
    delta_sd = np.sqrt(np.mean([e.variance / e.n for e in estimates]))
    assert delta_sd == pytest.approx(simulated_sd, rel=0.06)
