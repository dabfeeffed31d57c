"""The lock that lets one process at a time train a shop, across every server and consumer.

`TrainingLock.acquire` sets the shop's lock key only if it is free, with an expiry, and
takes the next number of the shop's fence (a counter in its status hash). The holder
renews the expiry while it trains; its outcome is written, and the lock released, only
if the lock still holds its own fence: a holder that stalled past the expiry, whose lock
another process has since taken, can no longer overwrite the newer attempt's record.
Both keys carry the shop's hash tag, so the scripts are legal on a Redis Cluster.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from widget.retraining import keys

_ACQUIRE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local fence = redis.call('HINCRBY', KEYS[2], 'fence', 1)
redis.call('SET', KEYS[1], fence .. '|' .. ARGV[1], 'PX', ARGV[2])
return fence
"""
_RENEW = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
"""
# ARGV: the token, then field and value pairs to write into the status hash (maybe none).
_FINISH = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if #ARGV > 1 then redis.call('HSET', KEYS[2], unpack(ARGV, 2)) end
redis.call('DEL', KEYS[1])
return 1
"""


@dataclass(frozen=True)
class Holding:
    """Who holds a shop's lock: the fence number, the holder's name and when it started."""

    fence: int
    holder: str
    started_at: float

    @classmethod
    def parse(cls, token: str) -> Holding:
        fence, holder, started = token.split("|", 2)
        return cls(int(fence), holder, float(started))


class TrainingLock:
    """A held lock of one shop; build it with `acquire`."""

    def __init__(self, redis: Any, shop: str, token: str, ttl_s: float) -> None:
        self._redis = redis
        self.shop = shop
        self.token = token
        self.ttl_s = ttl_s
        self.holding = Holding.parse(token)

    @classmethod
    async def acquire(
        cls, redis: Any, shop: str, holder: str, now: float, ttl_s: float
    ) -> TrainingLock | None:
        """The shop's lock, or None while another process holds it."""
        if "|" in holder:
            raise ValueError(f"a lock holder's name cannot contain '|': {holder!r}")
        named = f"{holder}|{now!r}"
        fence = await redis.register_script(_ACQUIRE)(
            keys=[keys.lock(shop), keys.status(shop)], args=[named, _millis(ttl_s)]
        )
        if fence is None:
            return None
        return cls(redis, shop, f"{fence}|{named}", ttl_s)

    async def renew(self) -> bool:
        """Push the expiry back by the lock's time to live; False if the lock was lost."""
        renewed = await self._redis.register_script(_RENEW)(
            keys=[keys.lock(self.shop)], args=[self.token, _millis(self.ttl_s)]
        )
        return bool(renewed)

    async def finish(self, fields: dict[str, str]) -> bool:
        """Write `fields` into the status hash and release, if the lock is still ours."""
        pairs = [part for item in fields.items() for part in item]
        done = await self._redis.register_script(_FINISH)(
            keys=[keys.lock(self.shop), keys.status(self.shop)], args=[self.token, *pairs]
        )
        return bool(done)


async def holding(redis: Any, shop: str) -> Holding | None:
    """Who trains the shop now, if anyone."""
    token = await redis.get(keys.lock(shop))
    return None if token is None else Holding.parse(token)


def _millis(seconds: float) -> int:
    return max(1, round(seconds * 1000))
