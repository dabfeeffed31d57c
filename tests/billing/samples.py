"""Small experiments for the billing tests, built through the library's own row summary."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import numpy as np

from billing import Contract, ExperimentStatistics, SampleGates, summarise_day

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


def contract(**terms: Any) -> Contract:
    defaults: dict[str, Any] = {
        "shop": "shop-1",
        "version": 1,
        "effective_from": datetime.date(2026, 10, 1),
        "currency": "EUR",
        "revenue_share_percent": Decimal("15"),
    }
    return Contract(**{**defaults, **terms})
