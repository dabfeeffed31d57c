"""Simulated months of a shop's traffic as per-arm sums, built by billing's own summaries.

A month has `visitors`, each in the holdout with probability `holdout_share`, who buy with
probability `conversion` overall (times `conversion_lift` when treated), placing 1 to 3
orders (uniform) of lognormal baskets (median `median_basket_minor`, σ `sigma`, times
`basket_lift` when treated), each rounded to the cent.

Returning customers. A share `returning_share` of a month's buyers bought before the contract
started; each such customer buys in a month with probability `repeat_rate`, so the shop has
returning_share × conversion × visitors / repeat_rate of them, all counted as visitors every
month (the most returning rows without a purchase the figures allow, which gives the
regression adjustment the least to work with). A customer keeps one arm, one spending level
u ~ N(0, `spend_correlation` σ²) and one pre-period revenue x (a month of orders at that
level, before the contract) for the whole contract; a basket's log is u plus
N(0, (1 − `spend_correlation`) σ²), so baskets keep the lognormal σ and two of a customer's
baskets correlate `spend_correlation` on the log scale. The other visitors are new every
month, with x = 0, converting at whatever rate keeps the overall `conversion`.

Calibrated on UCI Online Retail (a UK gift wholesaler's orders, Dec 2010 – Dec 2011;
`calibrate_returning` below): in its 4th to 12th month 73% of a month's buyers had bought in
an earlier month, 29% of earlier buyers buy in a given month, and the log monthly revenue of
a customer buying in two months correlates 0.6. It is a largely business-to-business shop;
consumer shops see fewer returning buyers, and `returning_share = 0` gives the no-history
case.

A customer seen in several months is a row in each (the cumulative sums count visitor-months),
so the rows are correlated across months, as real traffic is. Only buyers and returning
customers are drawn one by one; each arm's other visitors are added as
`ArmStatistics(visitors=...)` and `CovariateSums(visitors=...)`, which is exactly what
summarising their rows of zeros would give.
"""

from __future__ import annotations

import collections
import csv
import gzip
import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from billing import (
    ArmStatistics,
    CovariateSums,
    ExperimentStatistics,
    PrePeriodStatistics,
    pooled_revenue_cap,
    summarise_covariate,
    summarise_visitors,
)
from billing.visitors import IntArray

MAX_ORDERS = 3
# From UCI Online Retail; see the module docstring and `calibrate_returning`.
RETURNING_SHARE = 0.73
REPEAT_RATE = 0.29
SPEND_CORRELATION = 0.6
ONLINE_RETAIL = (
    Path(__file__).resolve().parents[2] / "shared/data/online-retail/online_retail.csv.gz"
)


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
    returning_share: float = RETURNING_SHARE
    repeat_rate: float = REPEAT_RATE
    spend_correlation: float = SPEND_CORRELATION

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

    @property
    def customers(self) -> int:
        """Returning customers, each a visitor every month."""
        return round(self.returning_share * self.conversion * self.visitors / self.repeat_rate)

    @property
    def level_share(self) -> float:
        """The share of a basket's log variance that is the buyer's own level."""
        return self.spend_correlation if self.returning_share > 0 else 0.0

    @property
    def new_visitor_conversion(self) -> float:
        buyers = (1 - self.returning_share) * self.conversion * self.visitors
        return buyers / (self.visitors - self.customers)


@dataclass(frozen=True)
class Buyers:
    """One arm's visitors, its buyers' orders, revenue and pre-period revenue (minor units),
    and the pre-period revenue of its returning customers who did not buy."""

    visitors: int
    orders: IntArray
    revenue: IntArray
    covariate: IntArray
    idle_covariate: IntArray
    # Which returning customers bought (their rows come first in orders and revenue).
    buying_customers: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))

    def statistics(self, revenue_cap_minor: int | None) -> ArmStatistics:
        buyers = summarise_visitors(
            orders=self.orders,
            net_revenue_minor=self.revenue,
            page_views=self.orders,
            recommendation_clicks=np.zeros_like(self.orders),
            revenue_cap_minor=revenue_cap_minor,
        )
        return buyers + ArmStatistics(visitors=self.visitors - self.orders.size)

    def pre_period(self, revenue_cap_minor: int | None) -> CovariateSums:
        drawn = summarise_covariate(
            pre_period_revenue_minor=np.concatenate([self.covariate, self.idle_covariate]),
            net_revenue_minor=np.concatenate([self.revenue, np.zeros_like(self.idle_covariate)]),
            revenue_cap_minor=revenue_cap_minor,
        )
        return drawn + CovariateSums(visitors=self.visitors - drawn.visitors)


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

    def pre_period(self, revenue_cap_minor: int | None) -> PrePeriodStatistics:
        return PrePeriodStatistics(
            self.treatment.pre_period(revenue_cap_minor), self.holdout.pre_period(revenue_cap_minor)
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


@dataclass(frozen=True)
class Customers:
    """The shop's returning customers: arm, spending level and pre-period revenue of each."""

    in_holdout: np.ndarray
    level: np.ndarray
    covariate: IntArray


def draw_customers(rng: np.random.Generator, traffic: Traffic) -> Customers:
    """Customers who bought before the contract, with what they spent then."""
    count = traffic.customers
    level = rng.normal(0.0, traffic.sigma * math.sqrt(traffic.level_share), count)
    orders = rng.integers(1, MAX_ORDERS + 1, count)
    return Customers(
        in_holdout=rng.random(count) < traffic.holdout_share,
        level=level,
        covariate=_revenue(rng, traffic, orders, level, 1.0),
    )


def _revenue(
    rng: np.random.Generator,
    traffic: Traffic,
    orders: IntArray,
    level: np.ndarray,
    basket_lift: float,
) -> IntArray:
    """Each buyer's revenue: `orders` baskets at the buyer's log spending `level`."""
    if orders.size == 0:
        return orders.astype(np.int64)
    own = 1 - traffic.level_share
    per_order = np.repeat(level, orders) + rng.normal(
        0.0, traffic.sigma * math.sqrt(own), int(orders.sum())
    )
    baskets = np.rint(traffic.median_basket_minor * basket_lift * np.exp(per_order)).astype(
        np.int64
    )
    starts = np.concatenate(([0], np.cumsum(orders)[:-1]))
    return np.add.reduceat(baskets, starts).astype(np.int64)


def _arm(
    rng: np.random.Generator,
    traffic: Traffic,
    new_visitors: int,
    customers: Customers,
    members: np.ndarray,
    treated: bool,
) -> Buyers:
    conversion_lift = traffic.conversion_lift if treated else 1.0
    basket_lift = traffic.basket_lift if treated else 1.0
    new_buyers = rng.binomial(new_visitors, traffic.new_visitor_conversion * conversion_lift)
    buying = members[rng.random(members.size) < traffic.repeat_rate * conversion_lift]
    idle = np.setdiff1d(members, buying, assume_unique=True)
    # a new buyer has a spending level too, drawn like a customer's
    new_levels = rng.normal(0.0, traffic.sigma * math.sqrt(traffic.level_share), new_buyers)
    levels = np.concatenate([customers.level[buying], new_levels])
    orders = rng.integers(1, MAX_ORDERS + 1, levels.size).astype(np.int64)
    return Buyers(
        visitors=new_visitors + members.size,
        orders=orders,
        revenue=_revenue(rng, traffic, orders, levels, basket_lift),
        covariate=np.concatenate([customers.covariate[buying], np.zeros(new_buyers, np.int64)]),
        idle_covariate=customers.covariate[idle],
        buying_customers=buying,
    )


def simulate_month(
    rng: np.random.Generator,
    traffic: Traffic,
    effect: bool = True,
    customers: Customers | None = None,
    visitors: int | None = None,
) -> Month:
    """A month of both arms; with `effect` false both arms are drawn as the holdout.

    `customers` are the contract's returning customers (drawn afresh when not given);
    `visitors` moves the month's traffic away from the traffic's own (the new visitors
    change, converting as before).
    """
    customers = draw_customers(rng, traffic) if customers is None else customers
    month_visitors = traffic.visitors if visitors is None else visitors
    new_visitors = month_visitors - customers.level.size
    new_holdout = int(rng.binomial(new_visitors, traffic.holdout_share))
    index = np.arange(customers.level.size)
    return Month(
        treatment=_arm(
            rng,
            traffic,
            new_visitors - new_holdout,
            customers,
            index[~customers.in_holdout],
            effect,
        ),
        holdout=_arm(rng, traffic, new_holdout, customers, index[customers.in_holdout], False),
    )


def calibrate_returning(path: Path = ONLINE_RETAIL, history_months: int = 3) -> dict[str, float]:
    """The returning-customer figures of Online Retail (gzip CSV of order lines).

    Over its full months after `history_months` of history: the share of a month's buyers
    who bought in an earlier month, the share of earlier buyers who buy in the month, and
    the correlation of log monthly revenue of customers buying in consecutive months.
    Cancellations and lines without a customer or a positive quantity and price are left out.
    """
    revenue: dict[str, dict[str, float]] = collections.defaultdict(
        lambda: collections.defaultdict(float)
    )
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as lines:
        for line in csv.DictReader(lines):
            quantity, price = float(line["Quantity"]), float(line["UnitPrice"])
            if (
                line["CustomerID"]
                and not line["InvoiceNo"].startswith("C")
                and quantity > 0 < price
            ):
                revenue[line["InvoiceDate"][:7]][line["CustomerID"]] += quantity * price
    months = sorted(revenue)[:-1]  # the last month of the file is partial
    seen: set[str] = set()
    returning, repeat = [], []
    for index, month in enumerate(months):
        buyers = set(revenue[month])
        if index >= history_months:
            returning.append(len(buyers & seen) / len(buyers))
            repeat.append(len(buyers & seen) / len(seen))
        seen |= buyers
    pairs = [
        (math.log(revenue[month][customer]), math.log(revenue[following][customer]))
        for month, following in itertools.pairwise(months)
        for customer in revenue[month].keys() & revenue[following].keys()
    ]
    return {
        "returning_share": float(np.mean(returning)),
        "repeat_rate": float(np.mean(repeat)),
        "spend_correlation": float(np.corrcoef(np.array(pairs).T)[0, 1]),
    }


class ContractToDate:
    """A contract's sums since it started with each visitor counted once (one row a visitor).

    A returning customer's row is their revenue over all the contract's months so far, each
    month capped, so rows are independent across visitors however often a customer comes
    back; new visitors come once, so their months add up. `add` takes the next month.
    """

    def __init__(self, customers: Customers, revenue_cap_minor: int | None) -> None:
        self.customers, self.cap = customers, revenue_cap_minor
        self.orders = np.zeros(customers.level.size, np.int64)
        self.revenue = np.zeros(customers.level.size, np.int64)
        self.new_visitors: dict[str, tuple[ArmStatistics, CovariateSums]] = {
            arm: (ArmStatistics(), CovariateSums()) for arm in ("treatment", "holdout")
        }

    def add(self, month: Month) -> None:
        for arm, buyers in (("treatment", month.treatment), ("holdout", month.holdout)):
            bought = buyers.buying_customers.size
            self.orders[buyers.buying_customers] += buyers.orders[:bought]
            capped = buyers.revenue[:bought]
            if self.cap is not None:
                capped = np.minimum(capped, self.cap)
            self.revenue[buyers.buying_customers] += capped
            new = Buyers(
                visitors=buyers.visitors - bought - buyers.idle_covariate.size,
                orders=buyers.orders[bought:],
                revenue=buyers.revenue[bought:],
                covariate=np.zeros(buyers.orders.size - bought, np.int64),
                idle_covariate=np.zeros(0, np.int64),
            )
            statistics, covariate = self.new_visitors[arm]
            self.new_visitors[arm] = (
                statistics + new.statistics(self.cap),
                covariate + new.pre_period(self.cap),
            )

    def statistics(self) -> tuple[ExperimentStatistics, PrePeriodStatistics]:
        """Both arms' per-visitor sums and their pre-period sums."""
        arms: dict[str, tuple[ArmStatistics, CovariateSums]] = {}
        for arm, members in (
            ("treatment", ~self.customers.in_holdout),
            ("holdout", self.customers.in_holdout),
        ):
            # each month was capped already; the totals are summed uncapped
            customers = summarise_visitors(
                orders=self.orders[members],
                net_revenue_minor=self.revenue[members],
                page_views=self.orders[members],
                recommendation_clicks=np.zeros(int(members.sum()), np.int64),
                revenue_cap_minor=None,
            )
            before = summarise_covariate(
                pre_period_revenue_minor=np.minimum(self.customers.covariate[members], self.cap)
                if self.cap is not None
                else self.customers.covariate[members],
                net_revenue_minor=self.revenue[members],
                revenue_cap_minor=None,
            )
            statistics, covariate = self.new_visitors[arm]
            arms[arm] = (statistics + customers, covariate + before)
        return (
            ExperimentStatistics(
                "EUR", self.cap, treatment=arms["treatment"][0], holdout=arms["holdout"][0]
            ),
            PrePeriodStatistics(arms["treatment"][1], arms["holdout"][1]),
        )
