"""The lock of a shop's period for invoicing: its revenue cap, fixed once, and no more entries.

Locking is one script: it fixes the cap (the contract's, or the pooled percentile of the
period's seen visitors, taken from the revenue sorted set) and from then on the ledger
script refuses the period's entries, so the invoice's statistics can be read back exactly.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Literal

import orjson

from billing import keys
from billing.periods import Period
from billing.visitors import POOLED_CAP_PERCENTILE, percentile_fraction

CapSource = Literal["contract", "pooled"]

# ceil((n - 1) * num / den) in doubles is exact while (n - 1) * num < 2^53: n < 2^43 visitors
_LOCK_SCRIPT = """
local existing = redis.call('GET', KEYS[1])
if existing then return existing end
local cap, source = ARGV[1], 'contract'
if cap == '' then
  source = 'pooled'
  local n = redis.call('ZCARD', KEYS[2])
  if n > 0 then
    local num, den = tonumber(ARGV[2]), tonumber(ARGV[3])
    local rank = math.floor(((n - 1) * num + den - 1) / den)
    local value = tonumber(redis.call('ZRANGE', KEYS[2], rank, rank, 'WITHSCORES')[2])
    if value > 0 then cap = string.format('%.0f', value) end
  end
end
local record = cjson.encode({cap = cap, source = source, locked_at = ARGV[4]})
redis.call('SET', KEYS[1], record)
return record
"""


@dataclass(frozen=True)
class PeriodLock:
    revenue_cap_minor: int | None
    cap_source: CapSource
    locked_at: datetime.datetime

    @classmethod
    def from_json(cls, record: str | bytes) -> PeriodLock:
        data = orjson.loads(record)
        return cls(
            revenue_cap_minor=int(data["cap"]) if data["cap"] else None,
            cap_source=data["source"],
            locked_at=datetime.datetime.fromisoformat(data["locked_at"]),
        )


async def lock_period(
    redis: Any,
    shop: str,
    period: Period,
    contract_cap_minor: int | None,
    at: datetime.datetime,
    percentile: float = POOLED_CAP_PERCENTILE,
) -> PeriodLock:
    """Lock the period (once); returns the lock of record, whoever set it."""
    fraction = percentile_fraction(percentile)
    record = await redis.register_script(_LOCK_SCRIPT)(
        keys=[keys.lock(shop, str(period)), keys.revenue(shop, str(period))],
        args=[
            "" if contract_cap_minor is None else contract_cap_minor,
            fraction.numerator,
            fraction.denominator,
            at.isoformat(),
        ],
    )
    return PeriodLock.from_json(record)


async def period_lock(redis: Any, shop: str, period: Period) -> PeriodLock | None:
    record = await redis.get(keys.lock(shop, str(period)))
    return None if record is None else PeriodLock.from_json(record)
