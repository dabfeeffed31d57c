"""The calibration benchmark's simulated months (bench/billing_months.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bench.billing_months import Buyers, Traffic, draw_customers, simulate_month
from billing import pooled_revenue_cap, summarise_covariate, summarise_visitors

BUYERS = Buyers(
    visitors=6,
    orders=np.array([1, 3]),
    revenue=np.array([2500, 90000]),
    covariate=np.array([0, 4000]),
    idle_covariate=np.array([7000]),
)


def test_buyers_and_the_visitors_without_orders_sum_like_all_rows() -> None:
    rows = summarise_visitors(
        orders=[1, 3, 0, 0, 0, 0],
        net_revenue_minor=[2500, 90000, 0, 0, 0, 0],
        page_views=[1, 3, 0, 0, 0, 0],
        recommendation_clicks=[0] * 6,
        revenue_cap_minor=50000,
    )
    assert BUYERS.statistics(50000) == rows


def test_covariate_sums_count_idle_customers_and_new_visitors() -> None:
    rows = summarise_covariate(
        pre_period_revenue_minor=[0, 4000, 7000, 0, 0, 0],
        net_revenue_minor=[2500, 90000, 0, 0, 0, 0],
        revenue_cap_minor=50000,
    )
    assert BUYERS.pre_period(50000) == rows


def test_returning_customers_are_the_calibrated_share_of_buyers() -> None:
    traffic = Traffic(visitors=2_000_000, sigma=1.2)
    rng = np.random.default_rng(4)
    customers = draw_customers(rng, traffic)
    month = simulate_month(rng, traffic, customers=customers)
    buyers = sum(arm.revenue.size for arm in (month.treatment, month.holdout))
    returning = sum(np.count_nonzero(arm.covariate) for arm in (month.treatment, month.holdout))
    assert buyers / 2_000_000 == pytest.approx(0.025, rel=0.02)
    assert returning / buyers == pytest.approx(traffic.returning_share, rel=0.02)


def test_a_customer_keeps_arm_and_pre_period_revenue_across_months() -> None:
    traffic = Traffic(visitors=200_000, sigma=1.2)
    rng = np.random.default_rng(5)
    customers = draw_customers(rng, traffic)
    first, second = (simulate_month(rng, traffic, customers=customers) for _ in range(2))
    assert first.pre_period(None).holdout.total == second.pre_period(None).holdout.total
    assert first.pre_period(None).holdout.total == customers.covariate[customers.in_holdout].sum()


def test_pooled_cap_counts_the_visitors_without_orders() -> None:
    month = simulate_month(np.random.default_rng(1), Traffic(visitors=20_000, sigma=1.2))
    revenue = [month.treatment.revenue, month.holdout.revenue]
    zeros = np.zeros(20_000 - sum(arm.size for arm in revenue), dtype=np.int64)
    assert month.pooled_cap() == pooled_revenue_cap(*revenue, zeros)


def test_true_effect_of_five_percent_more_conversion() -> None:
    traffic = Traffic(visitors=1, sigma=1.2, conversion_lift=1.05)
    expected = 0.025 * 0.05 * 2 * 4500 * math.exp(0.72)
    assert traffic.effect_per_treated_visitor == pytest.approx(expected, rel=1e-12)


def test_simulated_revenue_per_visitor_is_the_expected_one() -> None:
    traffic = Traffic(visitors=4_000_000, sigma=1.2, conversion_lift=1.05)
    month = simulate_month(np.random.default_rng(2), traffic).statistics(None)
    treated = month.treatment.revenue_per_visitor
    error = math.sqrt(treated.variance / treated.n)
    assert abs(treated.mean - traffic.revenue_per_visitor(True)) < 4 * error


def test_without_effect_both_arms_are_drawn_as_the_holdout() -> None:
    traffic = Traffic(visitors=400_000, sigma=1.2, conversion_lift=2.0)
    month = simulate_month(np.random.default_rng(3), traffic, effect=False).statistics(None)
    assert month.treatment.conversion.mean == pytest.approx(0.025, abs=0.001)
