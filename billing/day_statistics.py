"""A period's statistics read from the ledger's day sums: per day, and as their sum.

The day sums hold uncapped revenue and pre-exposure revenue (the covariate); the revenue
cap is applied to both on reading, from the few visitors above it (the two sorted sets),
so one set of day sums serves any cap and a period's capped statistics are still the
exact sum of its capped days.

`late=True` reads what entries after the period's lock changed (see `billing.ledger`): the
late sums, capped through the rows they moved (each late row in, its locked row out), so
that the locked statistics plus the late ones are exactly the corrected period's.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

from billing import keys
from billing.holdout import exposure_arm
from billing.ledger import VisitorRow
from billing.periods import Period
from billing.sufficient import (
    Arm,
    ArmStatistics,
    CovariateSums,
    ExperimentStatistics,
    PrePeriodStatistics,
)

_LIMB = 2**20  # as in ledger.lua

# Returns the sums and (sign, row, exposure) triples to correct for the cap.
_READ_SCRIPT = """
local outliers, found = {}, {}
if ARGV[1] ~= '' then
  for _, key in ipairs({KEYS[2], KEYS[3]}) do
    for _, visitor in ipairs(redis.call('ZRANGEBYSCORE', key, '(' .. ARGV[1], '+inf')) do
      if not found[visitor] then
        found[visitor] = true
        table.insert(outliers, '1')
        table.insert(outliers, redis.call('HGET', KEYS[4], visitor))
        table.insert(outliers, redis.call('HGET', KEYS[5], visitor))
      end
    end
  end
end
return {redis.call('HGETALL', KEYS[1]), outliers}
"""

# Every late row in and its locked row out: late rows are few (entries after the lock).
_READ_LATE_SCRIPT = """
local rows = {}
local late = redis.call('HGETALL', KEYS[2])
for i = 1, #late, 2 do
  local exposure = redis.call('HGET', KEYS[4], late[i]) or ''
  local locked = redis.call('HGET', KEYS[3], late[i])
  table.insert(rows, '1')
  table.insert(rows, late[i + 1])
  table.insert(rows, exposure)
  if locked then
    table.insert(rows, '-1')
    table.insert(rows, locked)
    table.insert(rows, exposure)
  end
end
return {redis.call('HGETALL', KEYS[1]), rows}
"""

_Sums = dict[str, int]
_Days = dict[tuple[str, str], _Sums]
_Value = TypeVar("_Value", ExperimentStatistics, PrePeriodStatistics)


def _limbs(sums: _Sums, name: str) -> int:
    return (sums[name + "2"] * _LIMB + sums[name + "1"]) * _LIMB + sums[name + "0"]


def _arm_statistics(sums: _Sums) -> ArmStatistics:
    revenue_squares = _limbs(sums, "revenue_sq")
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


def _covariate_sums(sums: _Sums) -> CovariateSums:
    return CovariateSums(
        visitors=sums["visitors"],
        total=sums["pre"] - sums["pre_excess"],
        sum_squares=_limbs(sums, "pre_sq") - sums["pre_excess_squares"],
        sum_products=_limbs(sums, "pre_revenue") - sums["pre_revenue_excess"],
    )


def _cap_row(sums: _Days, sign: int, row: VisitorRow, arm: Arm, cap: int) -> None:
    """Take the part of a seen row's revenue and covariate above the cap out of its day."""
    y, x = row.counted_revenue, row.pre_exposure_revenue
    if row.seen_day is None or (y <= cap and x <= cap):
        return
    cell = sums[row.seen_day.isoformat(), arm]
    if y > cap:
        cell["excess"] += sign * (y - cap)
        cell["excess_squares"] += sign * (y * y - cap * cap)
        cell["excess_times_orders"] += sign * (y - cap) * row.orders
        cell["capped"] += sign
    capped_x, capped_y = min(x, cap), min(y, cap)
    cell["pre_excess"] += sign * (x - capped_x)
    cell["pre_excess_squares"] += sign * (x * x - capped_x * capped_x)
    cell["pre_revenue_excess"] += sign * (x * y - capped_x * capped_y)


async def _read(redis: Any, shop: str, period: Period, cap: int | None, late: bool) -> _Days:
    name = str(period)
    if late:
        script_keys = [keys.late(shop, name), keys.late_visitors(shop, name)]
        script_keys += [keys.visitors(shop, name), keys.exposures(shop)]
        found, rows = await redis.register_script(_READ_LATE_SCRIPT)(keys=script_keys)
    else:
        script_keys = [keys.days(shop, name), keys.revenue(shop, name)]
        script_keys += [keys.pre_exposure_revenue(shop, name)]
        script_keys += [keys.visitors(shop, name), keys.exposures(shop)]
        found, rows = await redis.register_script(_READ_SCRIPT)(
            keys=script_keys, args=["" if cap is None else cap]
        )
    sums: _Days = defaultdict(lambda: defaultdict(int))
    for field, value in zip(found[::2], found[1::2], strict=True):
        day, arm, sum_name = field.split("|")
        sums[day, arm][sum_name] += int(value)
    if cap is not None:
        for sign, text, exposure in zip(rows[::3], rows[1::3], rows[2::3], strict=True):
            row = VisitorRow.parse(text)
            if row.seen_day is not None:
                _cap_row(sums, int(sign), row, exposure_arm(exposure), cap)
    return sums


def _by_day(
    sums: _Days, make: Callable[[_Sums, _Sums], _Value], empty: _Value
) -> dict[datetime.date, _Value]:
    found: dict[datetime.date, _Value] = {}
    for day in sorted({day for day, _ in sums}):
        arms = (sums.get((day, arm), defaultdict(int)) for arm in ("treatment", "holdout"))
        value = make(*arms)
        if value != empty:
            found[datetime.date.fromisoformat(day)] = value
    return found


async def daily_statistics(
    redis: Any,
    shop: str,
    period: Period,
    currency: str,
    revenue_cap_minor: int | None,
    *,
    late: bool = False,
) -> dict[datetime.date, ExperimentStatistics]:
    """Each day that has visitors (or, `late`, a change), sorted, under the cap (None for none)."""
    sums = await _read(redis, shop, period, revenue_cap_minor, late)
    return _by_day(
        sums,
        lambda treatment, holdout: ExperimentStatistics(
            currency, revenue_cap_minor, _arm_statistics(treatment), _arm_statistics(holdout)
        ),
        ExperimentStatistics(currency, revenue_cap_minor),
    )


async def daily_covariates(
    redis: Any, shop: str, period: Period, revenue_cap_minor: int | None, *, late: bool = False
) -> dict[datetime.date, PrePeriodStatistics]:
    """The covariate sums of the same days' visitors, x and y under the same cap."""
    sums = await _read(redis, shop, period, revenue_cap_minor, late)
    return _by_day(
        sums,
        lambda treatment, holdout: PrePeriodStatistics(
            _covariate_sums(treatment), _covariate_sums(holdout)
        ),
        PrePeriodStatistics(),
    )


async def period_statistics(
    redis: Any, shop: str, period: Period, currency: str, revenue_cap_minor: int | None
) -> ExperimentStatistics:
    """The period's statistics (as locked, once locked): the exact sum of its days."""
    days = await daily_statistics(redis, shop, period, currency, revenue_cap_minor)
    return sum(days.values(), ExperimentStatistics(currency, revenue_cap_minor))


async def late_statistics(
    redis: Any, shop: str, period: Period, currency: str, revenue_cap_minor: int | None
) -> ExperimentStatistics:
    """What entries after the lock changed: `period_statistics` plus this is the corrected
    period. Fields are differences, so they may be negative."""
    days = await daily_statistics(redis, shop, period, currency, revenue_cap_minor, late=True)
    return sum(days.values(), ExperimentStatistics(currency, revenue_cap_minor))


async def corrected_statistics(
    redis: Any, shop: str, period: Period, currency: str, revenue_cap_minor: int | None
) -> ExperimentStatistics:
    """The period with what arrived after its lock: locked plus late."""
    locked = await period_statistics(redis, shop, period, currency, revenue_cap_minor)
    return locked + await late_statistics(redis, shop, period, currency, revenue_cap_minor)


async def period_covariates(
    redis: Any, shop: str, period: Period, revenue_cap_minor: int | None
) -> PrePeriodStatistics:
    """The covariate sums beside `period_statistics` (as locked, once locked)."""
    days = await daily_covariates(redis, shop, period, revenue_cap_minor)
    return sum(days.values(), PrePeriodStatistics())


async def late_covariates(
    redis: Any, shop: str, period: Period, revenue_cap_minor: int | None
) -> PrePeriodStatistics:
    """What entries after the lock changed in the covariate sums, beside `late_statistics`."""
    days = await daily_covariates(redis, shop, period, revenue_cap_minor, late=True)
    return sum(days.values(), PrePeriodStatistics())
