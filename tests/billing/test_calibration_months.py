"""The calibration benchmark's simulated months (bench/billing_months.py)."""

from __future__ import annotations

import csv
import gzip
import math
from pathlib import Path

import numpy as np
import pytest

from bench.billing_months import (
    Buyers,
    ContractToDate,
    Traffic,
    calibrate_returning,
    draw_customers,
    simulate_month,
)
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


def test_contract_to_date_counts_each_visitor_once_with_their_capped_months_summed() -> None:
    traffic, cap = Traffic(visitors=5_000, sigma=1.2), 20_000
    rng = np.random.default_rng(6)
    customers = draw_customers(rng, traffic)
    months = [simulate_month(rng, traffic, customers=customers) for _ in range(3)]
    to_date = ContractToDate(customers, cap)
    for month in months:
        to_date.add(month)
    statistics, pre_period = to_date.statistics()
    members = customers.in_holdout
    totals = np.zeros(customers.level.size, np.int64)
    new_revenue, new_visitors = [], 0
    for month in months:
        bought = month.holdout.buying_customers.size
        totals[month.holdout.buying_customers] += np.minimum(month.holdout.revenue[:bought], cap)
        new_revenue.append(np.minimum(month.holdout.revenue[bought:], cap))
        new_visitors += month.holdout.visitors - int(members.sum())
    revenue = np.concatenate([totals[members], *new_revenue])
    visitors = int(members.sum()) + new_visitors
    assert statistics.holdout.visitors == visitors
    assert statistics.holdout.capped_revenue == revenue.sum()
    assert statistics.holdout.capped_revenue_squares == (revenue * revenue).sum()
    covariate = np.minimum(customers.covariate[members], cap)
    assert pre_period.holdout.visitors == visitors
    assert pre_period.holdout.total == covariate.sum()
    assert pre_period.holdout.sum_products == (covariate * totals[members]).sum()


def test_returning_figures_of_an_order_file(tmp_path: Path) -> None:
    lines = [
        ("1", "1", "2011-01-03 10:00:00", "10", "A"),
        ("2", "2", "2011-01-04 10:00:00", "10", "B"),
        ("3", "4", "2011-02-01 10:00:00", "5", "A"),
        ("C4", "-1", "2011-02-02 10:00:00", "10", "B"),  # a cancellation
        ("5", "1", "2011-02-02 10:00:00", "5", "C"),
        ("6", "1", "2011-02-03 10:00:00", "5", ""),  # no customer
        ("7", "8", "2011-03-01 10:00:00", "5", "A"),
        ("8", "1", "2011-03-01 10:00:00", "10", "B"),
        ("9", "1", "2011-03-02 10:00:00", "1", "D"),
        ("10", "1", "2011-04-02 10:00:00", "5", "C"),
        ("11", "1", "2011-05-02 10:00:00", "1", "A"),  # the partial last month
    ]
    path = tmp_path / "orders.csv.gz"
    with gzip.open(path, "wt", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["InvoiceNo", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"])
        writer.writerows(lines)
    figures = calibrate_returning(path, history_months=1)
    # Feb: A of {A, C} returning, A of {A, B} earlier buyers; Mar: 2 of 3, 2 of 3; Apr: 1, 1/4
    assert figures["returning_share"] == pytest.approx((1 / 2 + 2 / 3 + 1) / 3, rel=1e-12)
    assert figures["repeat_rate"] == pytest.approx((1 / 2 + 2 / 3 + 1 / 4) / 3, rel=1e-12)
    # A alone buys in consecutive months, doubling each time: logs on a line
    assert figures["spend_correlation"] == pytest.approx(1.0, rel=1e-12)
