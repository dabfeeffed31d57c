from __future__ import annotations

from billing import SampleGates, estimate_uplift
from tests.billing.samples import SMALL_GATES, drawn_experiment, experiment


def test_report_compares_all_three_metrics() -> None:
    report = estimate_uplift(
        drawn_experiment(seed=1), confidence_level=0.95, holdout_share=0.1, gates=SampleGates()
    )
    assert report.passes_gates
    assert report.conversion_rate.absolute.available
    assert report.basket_value.absolute.available
    assert report.revenue_per_visitor.absolute.available


def test_small_arms_fail_the_gates() -> None:
    statistics = experiment([0, 500, 900], [0, 700])
    report = estimate_uplift(
        statistics, confidence_level=0.95, holdout_share=0.4, gates=SampleGates()
    )
    assert report.failed_gates == ("below_minimum_visitors", "below_minimum_converting_visitors")
    assert report.revenue_per_visitor.absolute.available


def test_unbalanced_arms_fail_the_sample_ratio_gate() -> None:
    statistics = experiment([0, 100] * 600, [0, 100] * 20)
    report = estimate_uplift(
        statistics, confidence_level=0.95, holdout_share=0.5, gates=SMALL_GATES
    )
    assert report.failed_gates == ("sample_ratio_mismatch",)
