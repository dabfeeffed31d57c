"""A period's statistics read from the ledger's day sums: per day, and as their sum.

The day sums hold uncapped revenue; the revenue cap is applied on reading, from the few
visitors above it (the revenue sorted set), so one set of day sums serves any cap and a
period's capped statistics are still the exact sum of its capped days.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from billing import keys
from billing.holdout import exposure_arm
from billing.ledger import VisitorRow
from billing.periods import Period
from billing.sufficient import Arm, ArmStatistics, ExperimentStatistics

_LIMB = 2**20  # as in ledger.lua

_READ_SCRIPT = """
local days = redis.call('HGETALL', KEYS[1])
local outliers = {}
if ARGV[1] ~= '' then
  for _, visitor in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf')) do
    table.insert(outliers, redis.call('HGET', KEYS[3], visitor))
    table.insert(outliers, redis.call('HGET', KEYS[4], visitor))
  end
end
return {days, outliers}
"""

_Sums = dict[str, int]


def _arm_statistics(sums: _Sums) -> ArmStatistics:
    revenue_squares = (sums["revenue_sq2"] * _LIMB + sums["revenue_sq1"]) * _LIMB + sums[
        "revenue_sq0"
    ]
    revenue_times_orders = sums["revenue_orders1"] * _LIMB + sums["revenue_orders0"]
    return ArmStatistics(
        visitors=sums["visitors"],
        converting_visitors=sums["converting"],
        orders=sums["orders"],
        orders_squares=sums["orders_sq"],
        net_revenue=sums["revenue"],
        net_revenue_squares=revenue_squares,
        capped_revenue=sums["revenue"] - sums["excess"],
        capped_revenue_squares=revenue_squares - sums["excess_squares"],
        capped_visitors=sums["capped"],
        capped_revenue_times_orders=revenue_times_orders - sums["excess_times_orders"],
        page_views=sums["page_views"],
        recommendation_clicks=sums["clicks"],
    )


async def daily_statistics(
    redis: Any, shop: str, period: Period, currency: str, revenue_cap_minor: int | None
) -> dict[datetime.date, ExperimentStatistics]:
    """Each day that has visitors, sorted, under the cap (None for none)."""
    name = str(period)
    days, outliers = await redis.register_script(_READ_SCRIPT)(
        keys=[
            keys.days(shop, name),
            keys.revenue(shop, name),
            keys.visitors(shop, name),
            keys.exposures(shop),
        ],
        args=["" if revenue_cap_minor is None else revenue_cap_minor],
    )
    sums: defaultdict[tuple[str, str], _Sums] = defaultdict(lambda: defaultdict(int))
    for field, value in zip(days[::2], days[1::2], strict=True):
        day, arm, sum_name = field.split("|")
        sums[day, arm][sum_name] += int(value)
    for text, exposure in zip(outliers[::2], outliers[1::2], strict=True):
        row = VisitorRow.parse(text)
        assert row.seen_day is not None and revenue_cap_minor is not None
        excess = row.counted_revenue - revenue_cap_minor
        cell = sums[row.seen_day.isoformat(), exposure_arm(exposure)]
        cell["excess"] += excess
        cell["excess_squares"] += row.counted_revenue**2 - revenue_cap_minor**2
        cell["excess_times_orders"] += excess * row.orders
        cell["capped"] += 1
    found: dict[datetime.date, ExperimentStatistics] = {}
    for day in sorted({day for day, _ in sums}):
        arms: dict[Arm, ArmStatistics] = {
            arm: _arm_statistics(sums.get((day, arm), defaultdict(int)))
            for arm in ("treatment", "holdout")
        }
        if arms["treatment"].visitors or arms["holdout"].visitors:
            found[datetime.date.fromisoformat(day)] = ExperimentStatistics(
                currency, revenue_cap_minor, arms["treatment"], arms["holdout"]
            )
    return found


async def period_statistics(
    redis: Any, shop: str, period: Period, currency: str, revenue_cap_minor: int | None
) -> ExperimentStatistics:
    """The period's statistics: the exact sum of its days."""
    days = await daily_statistics(redis, shop, period, currency, revenue_cap_minor)
    return sum(days.values(), ExperimentStatistics(currency, revenue_cap_minor))
