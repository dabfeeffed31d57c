from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.typing import ArrayLike

from billing import (
    ArmStatistics,
    CovariateSums,
    ExperimentStatistics,
    InvalidVisitorRows,
    buyer_revenue_cap,
    pooled_revenue_cap,
    summarise_covariate,
    summarise_day,
    summarise_visitors,
)
from billing.visitors import percentile_rank

ROWS: dict[str, ArrayLike] = {
    "orders": [0, 1, 2, 0, 1],
    "net_revenue_minor": [0, 2000, 9000, 0, 4500],
    "page_views": [3, 5, 9, 1, 4],
    "recommendation_clicks": [0, 1, 2, 0, 0],
}


def test_sums_of_a_small_arm() -> None:
    arm = summarise_visitors(**ROWS, revenue_cap_minor=5000)
    assert arm == ArmStatistics(
        visitors=5,
        converting_visitors=3,
        orders=4,
        orders_squares=6,
        net_revenue=15500,
        net_revenue_squares=2000**2 + 9000**2 + 4500**2,
        capped_revenue=11500,
        capped_revenue_squares=2000**2 + 5000**2 + 4500**2,
        capped_visitors=1,
        capped_revenue_times_orders=2000 + 2 * 5000 + 4500,
        page_views=22,
        recommendation_clicks=3,
    )


def test_without_cap_capped_revenue_is_net_revenue() -> None:
    arm = summarise_visitors(**ROWS, revenue_cap_minor=None)
    assert (arm.capped_revenue, arm.capped_visitors) == (arm.net_revenue, 0)


def test_sums_beyond_int64_stay_exact() -> None:
    revenue = np.full(4, 2**40, dtype=np.int64)
    ones = np.ones(4, dtype=np.int64)
    arm = summarise_visitors(
        orders=ones,
        net_revenue_minor=revenue,
        page_views=ones,
        recommendation_clicks=ones,
        revenue_cap_minor=None,
    )
    assert arm.net_revenue_squares == 4 * 2**80


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("orders", [0, 1, -1, 0, 1]),
        ("net_revenue_minor", [0.0, 20.0, 90.0, 0.0, 45.0]),
        ("page_views", [3, 5, 9]),
        ("net_revenue_minor", [100, 2000, 9000, 0, 4500]),
    ],
)
def test_bad_rows_are_refused(column: str, values: list[float]) -> None:
    with pytest.raises(InvalidVisitorRows):
        summarise_visitors(**{**ROWS, column: values}, revenue_cap_minor=None)


def test_summarise_day_splits_by_arm() -> None:
    day = summarise_day(
        treated=np.array([True, False, True, True, False]), **ROWS, currency="EUR",
        revenue_cap_minor=None,
    )  # fmt: skip
    assert (day.treatment.visitors, day.holdout.net_revenue) == (3, 6500)


def test_pooled_cap_is_an_observed_value_over_both_arms() -> None:
    assert pooled_revenue_cap([0] * 1990 + list(range(1, 10)), [10]) == 9
    assert pooled_revenue_cap([0, 0]) is None


_visitors = st.lists(
    st.tuples(
        st.booleans(),
        st.integers(0, 3),
        st.integers(0, 10**9),
        st.integers(0, 50),
        st.integers(0, 5),
        st.integers(0, 6),
    ),
    max_size=40,
)


def _summarise(rows: list[tuple[bool, int, int, int, int, int]]) -> ExperimentStatistics:
    treated, orders, revenue, views, clicks, _day = zip(*rows, strict=True) if rows else [()] * 6
    return summarise_day(
        treated=np.array(treated, dtype=bool),
        orders=np.array(orders, dtype=np.int64),
        net_revenue_minor=np.array(revenue, dtype=np.int64) * np.sign(orders),
        page_views=np.array(views, dtype=np.int64),
        recommendation_clicks=np.array(clicks, dtype=np.int64),
        currency="EUR",
        revenue_cap_minor=500_000_000,
    )


@given(_visitors)
def test_days_sum_to_the_period(rows: list[tuple[bool, int, int, int, int, int]]) -> None:
    days = [_summarise([row for row in rows if row[-1] == day]) for day in range(7)]
    assert sum(days, ExperimentStatistics("EUR", 500_000_000)) == _summarise(rows)


@given(_visitors, st.randoms(use_true_random=False))
def test_row_order_does_not_matter(
    rows: list[tuple[bool, int, int, int, int, int]], rng: random.Random
) -> None:
    shuffled = list(rows)
    rng.shuffle(shuffled)
    assert _summarise(shuffled) == _summarise(rows)


@pytest.mark.parametrize("percentile", [99.9, 99.0, 50.0])
def test_percentile_rank_is_numpys_higher_rank_in_exact_arithmetic(percentile: float) -> None:
    for count in range(1, 3000, 7):
        expected = np.percentile(np.arange(count), percentile, method="higher")
        assert percentile_rank(count, percentile) == int(expected)


def test_buyer_cap_is_a_percentile_of_buyers_only() -> None:
    # a hundred buyers spending 1..100 among ten thousand visitors: zeros do not count
    revenue = [0] * 9_900 + list(range(1, 101))
    assert buyer_revenue_cap(revenue) == 100
    assert buyer_revenue_cap(revenue, percentile=50.0) == 51


def test_buyer_cap_matches_numpys_higher_percentile() -> None:
    revenue = np.random.default_rng(2).integers(1, 10**6, 777)
    assert buyer_revenue_cap(revenue[:400], revenue[400:]) == np.percentile(
        revenue, 99, method="higher"
    )


def test_buyer_cap_without_buyers_is_none() -> None:
    assert buyer_revenue_cap([0, 0, 0]) is None


def test_covariate_sums_are_capped_like_the_revenue() -> None:
    sums = summarise_covariate(
        pre_period_revenue_minor=[0, 7000, 3000],
        net_revenue_minor=[9000, 6000, 0],
        revenue_cap_minor=5000,
    )
    assert sums == CovariateSums(
        visitors=3, total=8000, sum_squares=5000**2 + 3000**2, sum_products=5000**2
    )


def test_covariate_columns_of_different_lengths_are_refused() -> None:
    with pytest.raises(InvalidVisitorRows):
        summarise_covariate(
            pre_period_revenue_minor=[0, 1], net_revenue_minor=[0], revenue_cap_minor=None
        )


@pytest.mark.parametrize("buyers", [0.0005, 0.001, 0.002, 0.05])
def test_pooled_cap_among_mostly_zeros_is_numpys_higher_percentile(buyers: float) -> None:
    rng = np.random.default_rng(4)
    revenue = np.where(rng.random(30_000) < buyers, rng.integers(1, 10**6, 30_000), 0)
    expected = int(np.percentile(revenue, 99.9, method="higher"))
    assert pooled_revenue_cap(revenue) == (expected or None)
