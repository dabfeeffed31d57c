from __future__ import annotations

import pytest
from scipy import stats

from billing import ExperimentStatistics, SequenceDesign, cumulative_bound
from tests.billing.samples import (
    drawn_experiment,
    drawn_revenue,
    experiment,
    returning_experiment,
    returning_revenue,
)

DESIGN = SequenceDesign.for_monthly_visitors(10_000)
# Each drawn month has 10,000 visitors; the tenth look follows nine.
EARLIER_LOOKS = tuple(10_000 * month for month in range(1, 10))


def _ten_months() -> ExperimentStatistics:
    months = [drawn_experiment(seed) for seed in range(10)]
    return sum(months[1:], months[0])


def test_standard_error_is_the_larger_of_scipys_welch_and_pooled() -> None:
    treated, holdout = drawn_revenue(seed=4)
    welch = stats.ttest_ind(treated, holdout, equal_var=False)
    pooled = stats.ttest_ind(treated, holdout, equal_var=True)
    bound = cumulative_bound(drawn_experiment(seed=4), DESIGN)
    expected = max(bound.estimate / welch.statistic, bound.estimate / pooled.statistic)
    assert bound.standard_error == pytest.approx(expected, rel=1e-12)


def test_a_holdout_more_variable_than_the_treatment_keeps_welchs_error() -> None:
    treated, holdout = [0, 100] * 50, [0, 10_000] * 10
    welch = stats.ttest_ind(treated, holdout, equal_var=False)
    bound = cumulative_bound(experiment(treated, holdout), DESIGN)
    assert bound.standard_error == pytest.approx(bound.estimate / welch.statistic, rel=1e-12)


def test_golden_bound_over_ten_months() -> None:
    bound = cumulative_bound(_ten_months(), DESIGN, earlier_looks=EARLIER_LOOKS)
    assert (round(bound.estimate, 5), round(bound.standard_error, 5)) == (251.04444, 54.06773)
    assert (round(bound.multiplier, 5), round(bound.lower_bound, 5)) == (2.34366, 124.3278)


def test_multiplier_is_the_designs_critical_value_after_the_earlier_looks() -> None:
    bound = cumulative_bound(_ten_months(), DESIGN, earlier_looks=EARLIER_LOOKS)
    assert bound.multiplier == DESIGN.critical_value(100_000, EARLIER_LOOKS)
    assert bound.multiplier != cumulative_bound(_ten_months(), DESIGN).multiplier


def test_incremental_bound_is_per_visitor_bound_times_treated_visitors() -> None:
    bound = cumulative_bound(_ten_months(), DESIGN)
    assert bound.treated_visitors == 90_000
    assert bound.incremental_lower_bound == 90_000 * bound.lower_bound


def test_bound_lies_multiplier_standard_errors_below_the_estimate() -> None:
    bound = cumulative_bound(drawn_experiment(seed=1), DESIGN)
    assert bound.estimate - bound.lower_bound == pytest.approx(
        DESIGN.critical_value(10_000) * bound.standard_error, rel=1e-12
    )


@pytest.mark.parametrize(
    ("treated", "holdout", "reason"),
    [
        ([0, 500], [], "empty_arm"),
        ([0, 500], [300], "too_few_visitors"),
        ([700, 700], [700, 700], "zero_variance"),
    ],
)
def test_what_cannot_be_computed_carries_a_reason(
    treated: list[int], holdout: list[int], reason: str
) -> None:
    bound = cumulative_bound(experiment(treated, holdout), DESIGN)
    assert (bound.reason, bound.lower_bound, bound.incremental_lower_bound) == (reason, 0.0, 0.0)


def test_pre_period_revenue_narrows_the_bound() -> None:
    statistics, pre_period = returning_experiment(returning_revenue(seed=5))
    plain, adjusted = (
        cumulative_bound(statistics, DESIGN),
        cumulative_bound(statistics, DESIGN, pre_period),
    )
    assert adjusted.theta > 0
    assert adjusted.standard_error < 0.95 * plain.standard_error
