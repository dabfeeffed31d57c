from __future__ import annotations

import numpy as np
import pytest

from billing import (
    ArmStatistics,
    CovariateSums,
    ExperimentStatistics,
    IncompatibleStatistics,
    SampleMean,
)
from billing.sufficient import RatioSums

VALUES = [0, 0, 1250, 3999, 0, 870]


def _sample_mean(values: list[int]) -> SampleMean:
    return SampleMean(len(values), sum(values), sum(v * v for v in values))


def test_sample_mean_matches_numpy() -> None:
    sums = _sample_mean(VALUES)
    assert sums.mean == pytest.approx(np.mean(VALUES), rel=1e-15)
    assert sums.variance == pytest.approx(np.var(VALUES, ddof=1), rel=1e-15)


def test_sample_means_add_to_the_sums_of_the_union() -> None:
    assert _sample_mean(VALUES[:2]) + _sample_mean(VALUES[2:]) == _sample_mean(VALUES)


def test_variance_is_exact_for_huge_equal_values() -> None:
    # float sums would leave cancellation noise far above zero here
    assert _sample_mean([10**12 + 1] * 3).variance == 0.0


def test_below_two_visitors_variance_is_zero() -> None:
    assert (_sample_mean([]).mean, _sample_mean([5]).variance) == (0.0, 0.0)


def test_ratio_covariance_matches_numpy() -> None:
    x, y = [10, 0, 35, 20], [1, 0, 2, 1]
    sums = RatioSums(4, sum(x), sum(y), 0, 0, sum(a * b for a, b in zip(x, y, strict=True)))
    assert sums.covariance == pytest.approx(np.cov(x, y, ddof=1)[0, 1], rel=1e-15)


def test_experiment_statistics_add_arm_by_arm() -> None:
    day = ExperimentStatistics("EUR", None, ArmStatistics(visitors=3), ArmStatistics(visitors=1))
    two_days = day + day
    assert (two_days.treatment.visitors, two_days.arm("holdout").visitors) == (6, 2)


@pytest.mark.parametrize(("currency", "cap"), [("USD", None), ("EUR", 5000)])
def test_statistics_of_other_currency_or_cap_do_not_add(currency: str, cap: int | None) -> None:
    with pytest.raises(IncompatibleStatistics):
        ExperimentStatistics("EUR", None) + ExperimentStatistics(currency, cap)


def test_covariate_sums_add_field_by_field() -> None:
    left, right = CovariateSums(2, 300, 50_000, 70_000), CovariateSums(3, 100, 10_000, 0)
    assert left + right == CovariateSums(5, 400, 60_000, 70_000)


def test_covariate_and_revenue_covariance_matches_numpy() -> None:
    before, after = np.array([0, 400, 0, 900, 100]), np.array([0, 500, 300, 1200, 0])
    arm = ArmStatistics(visitors=5, capped_revenue=2000, capped_revenue_squares=int(after @ after))
    sums = CovariateSums(5, int(before.sum()), int(before @ before), int(before @ after))
    assert sums.with_revenue(arm).covariance == pytest.approx(
        np.cov(after, before)[0, 1], rel=1e-15
    )


def test_covariate_sums_of_other_visitors_are_refused() -> None:
    with pytest.raises(IncompatibleStatistics):
        CovariateSums(visitors=4).with_revenue(ArmStatistics(visitors=5))
