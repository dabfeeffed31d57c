"""The ledger recomputed from its raw visitor rows, and compared with its day sums.

An independent path to the same numbers: the rows go through `summarise_day` (numpy, the
same code as any offline recompute) instead of the script's running differences. Run it
on a locked period, or expect entries that land mid-read to show as differences.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from billing import keys
from billing.day_statistics import daily_statistics
from billing.holdout import exposure_arm
from billing.ledger import VisitorRow
from billing.periods import Period
from billing.sufficient import ExperimentStatistics
from billing.visitors import pooled_revenue_cap, summarise_day

_Rows = list[tuple[bool, VisitorRow]]


@dataclass(frozen=True)
class LedgerCheck:
    """The period's days as stored and as recomputed, and the pooled cap of the raw rows."""

    stored: dict[datetime.date, ExperimentStatistics]
    recomputed: dict[datetime.date, ExperimentStatistics]
    pooled_cap_minor: int | None

    @property
    def differing_days(self) -> tuple[datetime.date, ...]:
        days = sorted(self.stored.keys() | self.recomputed.keys())
        return tuple(day for day in days if self.stored.get(day) != self.recomputed.get(day))

    @property
    def matches(self) -> bool:
        return not self.differing_days


async def seen_visitor_rows(redis: Any, shop: str, period: Period) -> _Rows:
    """(treated, row) of every visitor seen in the period, in the arm of record."""
    stored = await redis.hgetall(keys.visitors(shop, str(period)))
    rows = {visitor: VisitorRow.parse(text) for visitor, text in stored.items()}
    seen = [visitor for visitor, row in rows.items() if row.seen_day is not None]
    exposures = await redis.hmget(keys.exposures(shop), seen) if seen else []
    return [
        (exposure_arm(exposure) == "treatment", rows[visitor])
        for visitor, exposure in zip(seen, exposures, strict=True)
    ]


def _summarise(rows: _Rows, currency: str, cap: int | None) -> ExperimentStatistics:
    def column(values: list[int]) -> np.ndarray[Any, np.dtype[np.int64]]:
        return np.array(values, dtype=np.int64)

    return summarise_day(
        treated=np.array([treated for treated, _ in rows], dtype=bool),
        orders=column([row.orders for _, row in rows]),
        net_revenue_minor=column([row.counted_revenue for _, row in rows]),
        page_views=column([row.page_views for _, row in rows]),
        recommendation_clicks=column([row.recommendation_clicks for _, row in rows]),
        currency=currency,
        revenue_cap_minor=cap,
    )


async def check_ledger(
    redis: Any, shop: str, period: Period, currency: str, revenue_cap_minor: int | None
) -> LedgerCheck:
    rows = await seen_visitor_rows(redis, shop, period)
    by_day: defaultdict[datetime.date, _Rows] = defaultdict(list)
    for treated, row in rows:
        assert row.seen_day is not None
        by_day[row.seen_day].append((treated, row))
    recomputed = {
        day: _summarise(by_day[day], currency, revenue_cap_minor) for day in sorted(by_day)
    }
    stored = await daily_statistics(redis, shop, period, currency, revenue_cap_minor)
    pooled = pooled_revenue_cap([row.counted_revenue for _, row in rows])
    return LedgerCheck(stored, recomputed, pooled)
