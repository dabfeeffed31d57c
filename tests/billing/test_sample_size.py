"""Visitors to prove an effect, checked against scipy's own tests at the answer."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from billing import SampleGates, SequenceDesign, cumulative_bound
from billing.inference import mean_estimate, welch_compare
from billing.sample_size import (
    cumulative_visitors_to_prove,
    visitors_for_gates,
    welch_visitors_to_prove,
)
from tests.billing.samples import experiment

# 60 treated visitors, a third buying 20.00 EUR; 40 held out, a quarter buying: not proven
TREATED = [2000] * 20 + [0] * 40
HOLDOUT = [2000] * 10 + [0] * 30


def welch_p_value(statistics_scale: float, confidence: float) -> float:
    """scipy's one-sided Welch test with both arms `statistics_scale` times as large."""
    statistics = experiment(TREATED, HOLDOUT)
    treated = statistics.treatment.revenue_per_visitor
    held = statistics.holdout.revenue_per_visitor
    return float(
        stats.ttest_ind_from_stats(
            treated.mean,
            math.sqrt(treated.variance),
            treated.n * statistics_scale,
            held.mean,
            math.sqrt(held.variance),
            held.n * statistics_scale,
            equal_var=False,
            alternative="greater",
        ).pvalue
    )


@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_welch_visitors_are_the_fewest_at_which_scipys_test_rejects(confidence: float) -> None:
    statistics = experiment(TREATED, HOLDOUT)
    comparison = welch_compare(
        mean_estimate(statistics.treatment.revenue_per_visitor),
        mean_estimate(statistics.holdout.revenue_per_visitor),
        confidence,
    )
    assert comparison.absolute.lower_bound < 0  # not proven with 100 visitors
    needed = welch_visitors_to_prove(comparison, confidence)
    assert needed is not None and needed > 100
    alpha = 1 - confidence
    assert welch_p_value(needed / 100, confidence) <= alpha
    assert welch_p_value((needed - 1) / 100, confidence) > alpha


def test_welch_visitors_use_t_not_the_normal_at_small_samples() -> None:
    statistics = experiment(TREATED, HOLDOUT)
    comparison = welch_compare(
        mean_estimate(statistics.treatment.revenue_per_visitor),
        mean_estimate(statistics.holdout.revenue_per_visitor),
        0.95,
    )
    difference = comparison.absolute
    normal = 100 * (stats.norm.ppf(0.95) * difference.standard_error / difference.estimate) ** 2
    assert welch_visitors_to_prove(comparison, 0.95) == 337 > math.ceil(normal) == 335


def test_no_visitors_prove_an_effect_that_is_not_above_zero() -> None:
    statistics = experiment(HOLDOUT, TREATED)
    comparison = welch_compare(
        mean_estimate(statistics.treatment.revenue_per_visitor),
        mean_estimate(statistics.holdout.revenue_per_visitor),
        0.95,
    )
    assert welch_visitors_to_prove(comparison, 0.95) is None


def test_cumulative_visitors_are_the_first_look_whose_bound_clears_zero() -> None:
    """At a first look the critical value is the normal quantile of the α spent by then
    (Lan–DeMets O'Brien–Fleming type), written here from scipy alone."""
    design = SequenceDesign(reference_visitors=12_000)
    bound = cumulative_bound(experiment(TREATED * 10, HOLDOUT * 10), design)
    assert bound.reason is None and bound.lower_bound < 0
    needed = cumulative_visitors_to_prove(bound, design)
    assert needed is not None

    def margin(visitors: int) -> float:
        year_alpha = design.year_share * design.alpha
        tau = visitors / design.reference_visitors
        spent = 2 * stats.norm.sf(stats.norm.isf(year_alpha / 2) / math.sqrt(tau))
        critical = stats.norm.isf(spent)
        error = bound.standard_error * math.sqrt(bound.visitors / visitors)
        return float(bound.estimate - critical * error)

    assert margin(needed) > 0 >= margin(needed - 1)


def test_gates_need_each_arm_at_its_minimum_at_the_arms_shares() -> None:
    statistics = experiment(TREATED, HOLDOUT)  # 60 and 40 visitors, 20 and 10 buying
    gates = SampleGates(minimum_visitors_per_arm=1000, minimum_converting_visitors_per_arm=30)
    # the holdout is 40% of visitors: 2,500 for its 1,000; a quarter of them buy: 3,000
    # visitors for its 30 buyers (100 × 30 / 10)
    assert visitors_for_gates(statistics, gates) == 2500
    assert visitors_for_gates(statistics, SampleGates(1, 50)) == 500
    assert visitors_for_gates(experiment(TREATED, [0] * 40), gates) is None
