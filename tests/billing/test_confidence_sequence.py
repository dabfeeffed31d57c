from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from billing import InvalidDesign, SequenceDesign
from billing.confidence_sequence import anytime_multiplier, log_mixture, mixture_boundary


def _mixture_by_quadrature(s: float, v: float, rho: float) -> float:
    """The half-normal mixture of exp(λs − λ²v/2), integrated numerically by scipy."""
    mixing = stats.halfnorm(scale=1 / math.sqrt(rho))
    value, _ = integrate.quad(
        lambda lam: math.exp(lam * s - lam * lam * v / 2) * mixing.pdf(lam), 0, np.inf
    )
    return float(value)


@pytest.mark.parametrize(("s", "v", "rho"), [(0.0, 1.0, 1.0), (3.0, 4.0, 2.0), (12.0, 30.0, 10.0)])
def test_log_mixture_matches_scipy_quadrature(s: float, v: float, rho: float) -> None:
    assert math.exp(log_mixture(s, v, rho)) == pytest.approx(
        _mixture_by_quadrature(s, v, rho), rel=1e-8
    )


@pytest.mark.parametrize(
    ("v", "rho", "alpha"), [(1.0, 1.0, 0.025), (3e5, 1e5, 0.025), (50.0, 2.0, 0.1)]
)
def test_boundary_is_where_the_mixture_reaches_one_over_alpha(
    v: float, rho: float, alpha: float
) -> None:
    assert log_mixture(mixture_boundary(v, rho, alpha), v, rho) == pytest.approx(
        math.log(1 / alpha), abs=1e-9
    )


def test_golden_multipliers_at_one_third_of_a_month() -> None:
    design = SequenceDesign.for_monthly_visitors(30_000)
    multipliers = [round(anytime_multiplier(months * 30_000, design), 5) for months in (1, 3, 12)]
    assert multipliers == [3.1378, 3.03645, 3.14183]


def test_multiplier_depends_on_visitors_over_rho_only() -> None:
    small, large = SequenceDesign(1_000.0), SequenceDesign(1_000_000.0)
    assert anytime_multiplier(8_000, small) == pytest.approx(
        anytime_multiplier(8_000_000, large), rel=1e-10
    )


def test_always_wider_than_the_fixed_sample_normal_quantile() -> None:
    fixed = stats.norm.ppf(1 - 0.025)
    design = SequenceDesign(1.0)
    assert min(anytime_multiplier(r, design) for r in np.geomspace(0.01, 1e6, 50)) > fixed + 1


def test_a_random_walk_crosses_the_boundary_at_most_alpha_of_the_time() -> None:
    # standardised Gaussian sums looked at after every step: crossing at any step is the event
    rng = np.random.default_rng(7)
    steps = np.arange(1, 1_001)
    boundary = np.array([mixture_boundary(float(t), 100.0, 0.025) for t in steps])
    paths = rng.standard_normal((4_000, steps.size)).cumsum(axis=1)
    crossed = np.mean((paths >= boundary).any(axis=1))
    assert crossed <= 0.025 + 3 * math.sqrt(0.025 * 0.975 / 4_000)


def test_design_out_of_range_is_refused() -> None:
    with pytest.raises(InvalidDesign):
        SequenceDesign(0.0)
    with pytest.raises(InvalidDesign):
        SequenceDesign(1_000.0, alpha=0.5)
