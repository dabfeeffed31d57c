"""The ledger recomputed from its raw visitor rows, and compared with its day sums.

An independent path to the same numbers: the rows go through `summarise_day` and
`summarise_covariate` (numpy, the same code as any offline recompute) instead of the
script's running differences. Run it on a locked period, or expect entries that land
mid-read to show as differences; `corrected=True` checks the locked sums plus the late
ones against the rows as late entries left them.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from billing import keys
from billing.day_statistics import daily_covariates, daily_statistics
from billing.holdout import exposure_arm
from billing.ledger import VisitorRow
from billing.periods import Period
from billing.sufficient import CovariateSums, ExperimentStatistics, PrePeriodStatistics
from billing.visitors import pooled_revenue_cap, summarise_covariate, summarise_day

_Rows = list[tuple[bool, VisitorRow]]
_Value = TypeVar("_Value", ExperimentStatistics, PrePeriodStatistics)


@dataclass(frozen=True)
class LedgerCheck:
    """The period's days (statistics and covariate sums) as stored and as recomputed, and the
    pooled cap of the raw rows."""

    stored: dict[datetime.date, ExperimentStatistics]
    recomputed: dict[datetime.date, ExperimentStatistics]
    pooled_cap_minor: int | None
    stored_covariates: dict[datetime.date, PrePeriodStatistics]
    recomputed_covariates: dict[datetime.date, PrePeriodStatistics]

    @property
    def differing_days(self) -> tuple[datetime.date, ...]:
        days = sorted(self.stored.keys() | self.recomputed.keys() | self.stored_covariates.keys())
        return tuple(
            day
            for day in days
            if self.stored.get(day) != self.recomputed.get(day)
            or self.stored_covariates.get(day) != self.recomputed_covariates.get(day)
        )

    @property
    def matches(self) -> bool:
        return not self.differing_days


async def seen_visitor_rows(
    redis: Any, shop: str, period: Period, *, corrected: bool = False
) -> _Rows:
    """(treated, row) of every visitor seen in the period, in the arm of record; `corrected`,
    as late entries left the rows."""
    stored = await redis.hgetall(keys.visitors(shop, str(period)))
    if corrected:
        stored |= await redis.hgetall(keys.late_visitors(shop, str(period)))
    return await with_arms(redis, shop, {v: VisitorRow.parse(text) for v, text in stored.items()})


async def with_arms(redis: Any, shop: str, rows: dict[str, VisitorRow]) -> _Rows:
    """(treated, row) of the seen rows among `rows`, in the arm of record."""
    seen = [visitor for visitor, row in rows.items() if row.seen_day is not None]
    exposures = await redis.hmget(keys.exposures(shop), seen) if seen else []
    return [
        (exposure_arm(exposure) == "treatment", rows[visitor])
        for visitor, exposure in zip(seen, exposures, strict=True)
    ]


def _column(values: list[int]) -> np.ndarray[Any, np.dtype[np.int64]]:
    return np.array(values, dtype=np.int64)


def _summarise(rows: _Rows, currency: str, cap: int | None) -> ExperimentStatistics:
    return summarise_day(
        treated=np.array([treated for treated, _ in rows], dtype=bool),
        orders=_column([row.orders for _, row in rows]),
        net_revenue_minor=_column([row.counted_revenue for _, row in rows]),
        page_views=_column([row.page_views for _, row in rows]),
        recommendation_clicks=_column([row.recommendation_clicks for _, row in rows]),
        currency=currency,
        revenue_cap_minor=cap,
    )


def _covariates(rows: _Rows, cap: int | None) -> PrePeriodStatistics:
    def arm(treated: bool) -> CovariateSums:
        chosen = [row for in_treatment, row in rows if in_treatment == treated]
        return summarise_covariate(
            pre_period_revenue_minor=_column([row.pre_exposure_revenue for row in chosen]),
            net_revenue_minor=_column([row.counted_revenue for row in chosen]),
            revenue_cap_minor=cap,
        )

    return PrePeriodStatistics(arm(True), arm(False))


def _corrected(
    locked: dict[datetime.date, _Value], late: dict[datetime.date, _Value], empty: _Value
) -> dict[datetime.date, _Value]:
    """Locked plus late, day by day, without the days that late entries emptied."""
    days = sorted(locked.keys() | late.keys())
    found = {day: locked.get(day, empty) + late.get(day, empty) for day in days}
    return {day: value for day, value in found.items() if value != empty}


async def compare_rows(
    redis: Any,
    shop: str,
    period: Period,
    rows: _Rows,
    currency: str,
    revenue_cap_minor: int | None,
    *,
    corrected: bool = False,
) -> LedgerCheck:
    """The stored days (`corrected`: locked plus late) against the same days from `rows`."""
    cap = revenue_cap_minor
    by_day: defaultdict[datetime.date, _Rows] = defaultdict(list)
    for treated, row in rows:
        assert row.seen_day is not None
        by_day[row.seen_day].append((treated, row))
    stored = await daily_statistics(redis, shop, period, currency, cap)
    covariates = await daily_covariates(redis, shop, period, cap)
    if corrected:
        late = await daily_statistics(redis, shop, period, currency, cap, late=True)
        stored = _corrected(stored, late, ExperimentStatistics(currency, cap))
        late_covariates = await daily_covariates(redis, shop, period, cap, late=True)
        covariates = _corrected(covariates, late_covariates, PrePeriodStatistics())
    return LedgerCheck(
        stored,
        {day: _summarise(by_day[day], currency, cap) for day in sorted(by_day)},
        pooled_revenue_cap([row.counted_revenue for _, row in rows]),
        covariates,
        {day: _covariates(by_day[day], cap) for day in sorted(by_day)},
    )


async def check_ledger(
    redis: Any,
    shop: str,
    period: Period,
    currency: str,
    revenue_cap_minor: int | None,
    *,
    corrected: bool = False,
) -> LedgerCheck:
    rows = await seen_visitor_rows(redis, shop, period, corrected=corrected)
    return await compare_rows(
        redis, shop, period, rows, currency, revenue_cap_minor, corrected=corrected
    )
