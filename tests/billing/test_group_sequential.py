from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from billing import InvalidDesign, SequenceDesign
from billing.group_sequential import critical_values, spent

ALPHA = 0.025


def _mvn_crossing(information: tuple[float, ...], critical: tuple[float, ...]) -> float:
    """P(Z_k ≥ c_k at some look) from scipy's multivariate normal, Cov = sqrt(I_j / I_k)."""
    info = np.array(information)
    covariance = np.sqrt(np.minimum.outer(info, info) / np.maximum.outer(info, info))
    finite = np.array([min(c, 12.0) for c in critical])
    normal = stats.multivariate_normal(cov=covariance, abseps=1e-10, releps=1e-8, maxpts=10**7)
    return float(1 - normal.cdf(finite))


@pytest.mark.parametrize(
    "information",
    [(1.0, 2.0, 3.0, 4.0), (1.0, 1.5, 3.5, 7.0), (5.0, 9.0, 9.5, 12.0), (0.5, 6.0, 14.0)],
)
def test_crossing_probability_is_the_alpha_spent_by_scipys_normal_cdf(
    information: tuple[float, ...],
) -> None:
    critical = critical_values(information, ALPHA, 0.9, 6.0)
    for looks in range(1, len(information) + 1):
        expected = spent(information[looks - 1] / 6.0, ALPHA, 0.9)
        crossed = _mvn_crossing(information[:looks], critical[:looks])
        assert crossed == pytest.approx(expected, rel=2e-4, abs=1e-9)


def test_one_look_is_the_normal_quantile_of_the_alpha_spent() -> None:
    (critical,) = critical_values((9.0,), ALPHA, 0.9, 12.0)
    assert critical == pytest.approx(stats.norm.isf(spent(0.75, ALPHA, 0.9)), rel=1e-9)


def test_a_random_walk_with_uneven_steps_crosses_as_often_as_spent() -> None:
    # a month of half, then double, the forecast traffic: steps of 0.5 and 2 months
    steps = np.array([0.5] * 4 + [2.0] * 4 + [1.0] * 4)
    information = tuple(np.cumsum(steps).tolist())
    critical = np.array(critical_values(information, ALPHA, 0.9, 12.0))
    rng = np.random.default_rng(11)
    runs = 200_000
    scores = (rng.standard_normal((runs, steps.size)) * np.sqrt(steps)).cumsum(axis=1)
    crossed = np.mean((scores / np.sqrt(information) >= critical).any(axis=1))
    expected = spent(information[-1] / 12.0, ALPHA, 0.9)
    assert abs(crossed - expected) < 4 * math.sqrt(expected * (1 - expected) / runs)


def test_spending_reaches_the_year_share_at_one_and_alpha_never() -> None:
    assert spent(1.0, ALPHA, 0.9) == pytest.approx(0.9 * ALPHA, rel=1e-12)
    taus = np.geomspace(1e-3, 1e6, 200)
    values = np.array([spent(float(tau), ALPHA, 0.9) for tau in taus])
    assert np.all(np.diff(values) >= 0)
    assert values[-1] < ALPHA
    assert values[-1] == pytest.approx(ALPHA, rel=1e-5)


def test_golden_monthly_critical_values() -> None:
    design = SequenceDesign.for_monthly_visitors(10_000)
    looks = [10_000 * month for month in range(1, 25)]
    values = [round(design.critical_value(looks[m - 1], looks[: m - 1]), 4) for m in (6, 12, 24)]
    assert values == [3.0568, 2.1341, 3.1655]


def test_a_look_without_new_visitors_keeps_the_critical_value() -> None:
    design = SequenceDesign.for_monthly_visitors(10_000)
    assert design.critical_value(30_000, (10_000, 30_000)) == design.critical_value(
        30_000, (10_000,)
    )


def test_earlier_looks_matter() -> None:
    design = SequenceDesign.for_monthly_visitors(10_000)
    assert design.critical_value(120_000) < design.critical_value(
        120_000, tuple(range(10_000, 120_000, 10_000))
    )


@pytest.mark.parametrize("earlier", [(50_000, 40_000), (0,), (130_000,)])
def test_looks_that_lose_visitors_are_refused(earlier: tuple[int, ...]) -> None:
    with pytest.raises(InvalidDesign):
        SequenceDesign.for_monthly_visitors(10_000).critical_value(120_000, earlier)


def test_design_out_of_range_is_refused() -> None:
    with pytest.raises(InvalidDesign):
        SequenceDesign(0.0)
    with pytest.raises(InvalidDesign):
        SequenceDesign(1_000.0, alpha=0.5)
    with pytest.raises(InvalidDesign):
        SequenceDesign(1_000.0, year_share=0.0)
