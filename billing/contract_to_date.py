"""A contract's sums since it started, one row a visitor: what the cumulative bound needs.

Summing the months' sums would count a returning customer once a month, and their months are
correlated, so the standard error would come out too small (simulated: an A/A contract charged
by month 12 in 4.1-4.5% of runs against 2.5%; `bench/billing_calibration.py`). Here each
visitor seen in any of the months is one row: their orders, page views and clicks summed,
their revenue capped month by month (as each month's statistics cap it) and then summed, and
their pre-exposure revenue (the CUPED covariate, fixed at their first exposure) capped once.
Rows come from the months' visitor rows as corrected by entries after their lock, so the sums
are exact; a visitor's arm is their exposure of record.

Cost: one pass over every month's visitor rows at each invoice (monthly batch work).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from billing import keys
from billing.holdout import exposure_arm
from billing.ledger import VisitorRow
from billing.periods import Period
from billing.sufficient import (
    ArmStatistics,
    CovariateSums,
    ExperimentStatistics,
    PrePeriodStatistics,
)
from billing.visitors import summarise_covariate, summarise_visitors

_CHUNK = 10_000
log = logging.getLogger(__name__)


@dataclass
class _Totals:
    orders: int = 0
    revenue: int = 0
    capped_revenue: int = 0
    page_views: int = 0
    clicks: int = 0
    before: int = 0


async def contract_to_date(
    redis: Any, shop: str, periods: Sequence[Period], currency: str, cap: int | None
) -> tuple[ExperimentStatistics, PrePeriodStatistics]:
    """Both arms' sums over the visitors seen in `periods`, each once, and their covariates."""
    totals: dict[str, _Totals] = {}
    for period in periods:
        for visitor, row in (await corrected_rows(redis, shop, period)).items():
            found = totals.setdefault(visitor, _Totals(before=row.pre_exposure_revenue))
            revenue = row.counted_revenue
            found.orders += row.orders
            found.revenue += revenue
            found.capped_revenue += revenue if cap is None else min(revenue, cap)
            found.page_views += row.page_views
            found.clicks += row.recommendation_clicks
    arms = await _arms(redis, shop, sorted(totals))
    statistics, covariates = {}, {}
    for arm in ("treatment", "holdout"):
        members = [totals[visitor] for visitor, of in arms.items() if of == arm]
        statistics[arm], covariates[arm] = _summarise(members, cap)
    return (
        ExperimentStatistics(currency, cap, statistics["treatment"], statistics["holdout"]),
        PrePeriodStatistics(covariates["treatment"], covariates["holdout"]),
    )


async def corrected_rows(redis: Any, shop: str, period: Period) -> dict[str, VisitorRow]:
    """The period's seen visitors' rows, as entries after its lock left them."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hgetall(keys.visitors(shop, str(period)))
        pipe.hgetall(keys.late_visitors(shop, str(period)))
        locked, late = await pipe.execute()
    rows = {visitor: VisitorRow.parse(text) for visitor, text in (locked | late).items()}
    return {visitor: row for visitor, row in rows.items() if row.seen_day is not None}


async def _arms(redis: Any, shop: str, visitors: list[str]) -> dict[str, str]:
    arms: dict[str, str] = {}
    for start in range(0, len(visitors), _CHUNK):
        chunk = visitors[start : start + _CHUNK]
        records = await redis.hmget(keys.exposures(shop), chunk)
        arms |= {v: exposure_arm(r) for v, r in zip(chunk, records, strict=True) if r}
    if missing := len(visitors) - len(arms):
        # an exposure of record expired while the contract still counts its visitor
        log.warning("shop %s: %d seen visitors have no exposure of record left", shop, missing)
    return arms


def _summarise(members: list[_Totals], cap: int | None) -> tuple[ArmStatistics, CovariateSums]:
    def column(name: str) -> np.ndarray[Any, np.dtype[np.int64]]:
        return np.array([getattr(member, name) for member in members], dtype=np.int64)

    capped, revenue = column("capped_revenue"), column("revenue")
    # each month was capped already, so the capped totals go in uncapped; the net revenue
    # columns are then put back to the visitors' true totals
    summed = summarise_visitors(
        orders=column("orders"),
        net_revenue_minor=capped,
        page_views=column("page_views"),
        recommendation_clicks=column("clicks"),
        revenue_cap_minor=None,
    )
    statistics = dataclasses.replace(
        summed,
        net_revenue=sum(revenue.tolist()),
        net_revenue_squares=sum(value * value for value in revenue.tolist()),
        capped_visitors=int(np.count_nonzero(capped < revenue)),
    )
    before = column("before")
    covariate = summarise_covariate(
        pre_period_revenue_minor=before if cap is None else np.minimum(before, cap),
        net_revenue_minor=capped,
        revenue_cap_minor=None,
    )
    return statistics, covariate
