"""Small experiments for the billing tests, built through the library's own row summary."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import numpy as np

from billing import (
    Arm,
    Contract,
    ExperimentStatistics,
    PrePeriodStatistics,
    SampleGates,
    summarise_covariate,
    summarise_day,
)
from billing.visitors import IntArray

# Basket values in cents and their probabilities per visitor; 0 is no order.
BASKETS = np.array([0, 1500, 4000, 12000, 60000])
HOLDOUT_MIX = np.array([0.9, 0.05, 0.03, 0.015, 0.005])
TREATED_MIX = np.array([0.88, 0.06, 0.035, 0.018, 0.007])

SMALL_GATES = SampleGates(minimum_visitors_per_arm=2, minimum_converting_visitors_per_arm=0)


def experiment(
    treated_revenue: list[int], holdout_revenue: list[int], cap: int | None = None
) -> ExperimentStatistics:
    """One order per visitor with revenue, none for the others; EUR cents."""
    revenue = np.array(treated_revenue + holdout_revenue, dtype=np.int64)
    orders = (revenue > 0).astype(np.int64)
    return summarise_day(
        treated=np.arange(revenue.size) < len(treated_revenue),
        orders=orders,
        net_revenue_minor=revenue,
        page_views=orders + 1,
        recommendation_clicks=orders,
        currency="EUR",
        revenue_cap_minor=cap,
    )


def drawn_revenue(
    seed: int, treated: int = 9000, holdout: int = 1000
) -> tuple[list[int], list[int]]:
    """Per-visitor revenue of both arms, the treated drawn with a known uplift."""
    rng = np.random.default_rng(seed)
    return (
        rng.choice(BASKETS, size=treated, p=TREATED_MIX).tolist(),
        rng.choice(BASKETS, size=holdout, p=HOLDOUT_MIX).tolist(),
    )


def drawn_experiment(seed: int) -> ExperimentStatistics:
    return experiment(*drawn_revenue(seed))


# Before October 2026, the month the sample contracts start.
SIGNED = datetime.datetime(2026, 9, 15, 12, tzinfo=datetime.UTC)


def contract(**terms: Any) -> Contract:
    """A monthly lower-bound contract from October 2026 (cumulative ones say so)."""
    defaults: dict[str, Any] = {
        "shop": "shop-1",
        "version": 1,
        "effective_from": datetime.date(2026, 10, 1),
        "currency": "EUR",
        "revenue_share_percent": Decimal("15"),
        "basis": "lower_bound",
    }
    return Contract(**{**defaults, **terms})


def returning_revenue(
    seed: int, treated: int = 9000, holdout: int = 1000
) -> dict[Arm, tuple[IntArray, IntArray]]:
    """Per arm, (revenue before exposure, revenue after) of visitors whose spending persists.

    A third of visitors are regulars, who buy in each period with probability 0.5, the
    others with 0.02; treated visitors buy 20% more often after exposure.
    """
    rng = np.random.default_rng(seed)
    rows: dict[Arm, tuple[IntArray, IntArray]] = {}
    arms: tuple[tuple[Arm, int, float], ...] = (
        ("treatment", treated, 1.2),
        ("holdout", holdout, 1.0),
    )
    for arm, size, lift in arms:
        propensity = np.where(rng.random(size) < 1 / 3, 0.5, 0.02)
        spend = rng.choice(BASKETS[1:], size=size)
        before = np.where(rng.random(size) < propensity, spend, 0)
        after = np.where(rng.random(size) < propensity * lift, spend, 0)
        rows[arm] = (before.astype(np.int64), after.astype(np.int64))
    return rows


def returning_experiment(
    rows: dict[Arm, tuple[IntArray, IntArray]], cap: int | None = None
) -> tuple[ExperimentStatistics, PrePeriodStatistics]:
    """Both arms' sums and the same visitors' pre-period sums; one order per buyer, EUR cents."""
    treated, holdout = rows["treatment"][1], rows["holdout"][1]
    statistics = experiment(treated.tolist(), holdout.tolist(), cap=cap)
    covariates = {
        arm: summarise_covariate(
            pre_period_revenue_minor=before, net_revenue_minor=after, revenue_cap_minor=cap
        )
        for arm, (before, after) in rows.items()
    }
    return statistics, PrePeriodStatistics(covariates["treatment"], covariates["holdout"])


def skewed_month(
    rng: np.random.Generator, visitors: int, holdout_share: float = 0.1
) -> ExperimentStatistics:
    """An A/A month: 5% of visitors buy one lognormal basket (median 45 EUR, σ 1.5)."""
    buys = rng.random(visitors) < 0.05
    revenue = np.where(buys, np.rint(4500 * rng.lognormal(0, 1.5, visitors)), 0).astype(np.int64)
    return summarise_day(
        treated=rng.random(visitors) >= holdout_share,
        orders=buys.astype(np.int64),
        net_revenue_minor=revenue,
        page_views=np.ones(visitors, np.int64),
        recommendation_clicks=np.zeros(visitors, np.int64),
        currency="EUR",
        revenue_cap_minor=None,
    )
