from __future__ import annotations

import numpy as np
import pytest

from billing import Arm, PrePeriodStatistics
from billing.adjustment import adjusted_arms
from billing.visitors import IntArray
from tests.billing.samples import experiment, returning_experiment, returning_revenue

ROWS = returning_revenue(seed=3)


def _numpy_theta() -> float:
    (x1, y1), (x0, y0) = ROWS["treatment"], ROWS["holdout"]
    covariance = np.cov(x1, y1)[0, 1] / x1.size + np.cov(x0, y0)[0, 1] / x0.size
    return float(covariance / (np.var(x1, ddof=1) / x1.size + np.var(x0, ddof=1) / x0.size))


def test_theta_matches_numpy() -> None:
    arms = adjusted_arms(*returning_experiment(ROWS))
    assert arms.theta == pytest.approx(_numpy_theta(), rel=1e-12)


def test_adjusted_arms_are_numpys_mean_and_variance_of_y_minus_theta_x() -> None:
    arms, theta = adjusted_arms(*returning_experiment(ROWS)), _numpy_theta()
    x1, y1 = ROWS["treatment"]
    assert arms.treatment.mean == pytest.approx(np.mean(y1 - theta * x1), rel=1e-12)
    assert arms.treatment.variance == pytest.approx(np.var(y1 - theta * x1, ddof=1), rel=1e-9)


def test_golden_theta_and_adjusted_holdout() -> None:
    arms = adjusted_arms(*returning_experiment(ROWS))
    assert (round(arms.theta, 5), round(arms.holdout.mean, 5)) == (0.38363, 1678.89338)


def test_without_pre_period_sums_nothing_is_adjusted() -> None:
    statistics, _ = returning_experiment(ROWS)
    arms = adjusted_arms(statistics, None)
    assert arms.theta == 0.0
    assert arms.treatment.mean == statistics.treatment.revenue_per_visitor.mean


def test_a_covariate_that_never_varies_adjusts_nothing() -> None:
    revenue: dict[Arm, IntArray] = {
        "treatment": np.array([0, 500, 0, 900]),
        "holdout": np.array([0, 700, 0]),
    }
    rows = {arm: (np.zeros_like(after), after) for arm, after in revenue.items()}
    assert adjusted_arms(*returning_experiment(rows)).theta == 0.0


def test_an_empty_arm_is_left_unadjusted_with_its_reason() -> None:
    statistics = experiment([0, 500], [])
    arms = adjusted_arms(statistics, PrePeriodStatistics())
    assert (arms.holdout.reason, arms.theta) == ("empty_arm", 0.0)
