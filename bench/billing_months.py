"""Simulated months of a shop's traffic as per-arm sums, built by billing's own summaries.

A month has `visitors`, each in the holdout with probability `holdout_share`; a visitor buys
with probability `conversion` (times `conversion_lift` when treated), placing 1 to 3 orders
(uniform) of lognormal baskets (median `median_basket_minor`, σ `sigma`, times `basket_lift`
when treated), each rounded to the cent. Only buyers are drawn one by one (the arm's buyers
are binomial); they go through `billing.summarise_visitors`, and the arm's visitors without
an order are added as `ArmStatistics(visitors=...)`, which is exactly what summarising their
rows of zeros would give.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from billing import ArmStatistics, ExperimentStatistics, pooled_revenue_cap, summarise_visitors
from billing.visitors import IntArray

MAX_ORDERS = 3


@dataclass(frozen=True)
class Traffic:
    """A shop's month: its size, its buyers and baskets, and what the treatment changes."""

    visitors: int
    sigma: float
    conversion: float = 0.025
    median_basket_minor: int = 4500
    holdout_share: float = 0.1
    conversion_lift: float = 1.0
    basket_lift: float = 1.0

    def revenue_per_visitor(self, treated: bool) -> float:
        """Expected revenue per visitor, in minor units, uncapped."""
        mean_orders = (1 + MAX_ORDERS) / 2
        basket = self.median_basket_minor * math.exp(self.sigma**2 / 2)
        if not treated:
            return self.conversion * mean_orders * basket
        return self.conversion * self.conversion_lift * mean_orders * basket * self.basket_lift

    @property
    def effect_per_treated_visitor(self) -> float:
        """The true incremental revenue of one treated visitor, in minor units, uncapped."""
        return self.revenue_per_visitor(True) - self.revenue_per_visitor(False)


@dataclass(frozen=True)
class Buyers:
    """One arm's visitors and its buyers' orders and revenue (minor units)."""

    visitors: int
    orders: IntArray
    revenue: IntArray

    def statistics(self, revenue_cap_minor: int | None) -> ArmStatistics:
        buyers = summarise_visitors(
            orders=self.orders,
            net_revenue_minor=self.revenue,
            page_views=self.orders,
            recommendation_clicks=np.zeros_like(self.orders),
            revenue_cap_minor=revenue_cap_minor,
        )
        return buyers + ArmStatistics(visitors=self.visitors - self.orders.size)


@dataclass(frozen=True)
class Month:
    treatment: Buyers
    holdout: Buyers

    def statistics(self, revenue_cap_minor: int | None) -> ExperimentStatistics:
        return ExperimentStatistics(
            currency="EUR",
            revenue_cap_minor=revenue_cap_minor,
            treatment=self.treatment.statistics(revenue_cap_minor),
            holdout=self.holdout.statistics(revenue_cap_minor),
        )

    def pooled_cap(self) -> int | None:
        """Today's cap: the 99.9th percentile over all the month's visitors, after it."""
        arms = (self.treatment, self.holdout)
        without_orders = sum(arm.visitors - arm.revenue.size for arm in arms)
        return pooled_revenue_cap(
            *(arm.revenue for arm in arms), np.zeros(without_orders, dtype=np.int64)
        )

    def buyers_revenue(self) -> IntArray:
        return np.concatenate([self.treatment.revenue, self.holdout.revenue])


def _buyers(rng: np.random.Generator, traffic: Traffic, visitors: int, treated: bool) -> Buyers:
    conversion = traffic.conversion * (traffic.conversion_lift if treated else 1.0)
    median = traffic.median_basket_minor * (traffic.basket_lift if treated else 1.0)
    orders = rng.integers(1, MAX_ORDERS + 1, rng.binomial(visitors, conversion))
    baskets = np.rint(median * rng.lognormal(0.0, traffic.sigma, int(orders.sum())))
    starts = np.concatenate(([0], np.cumsum(orders)[:-1]))
    revenue = np.add.reduceat(baskets.astype(np.int64), starts) if orders.size else orders
    return Buyers(visitors, orders.astype(np.int64), revenue.astype(np.int64))


def simulate_month(rng: np.random.Generator, traffic: Traffic, effect: bool = True) -> Month:
    """A month of both arms; with `effect` false both arms are drawn as the holdout."""
    holdout = int(rng.binomial(traffic.visitors, traffic.holdout_share))
    return Month(
        treatment=_buyers(rng, traffic, traffic.visitors - holdout, effect),
        holdout=_buyers(rng, traffic, holdout, False),
    )
