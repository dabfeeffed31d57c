"""Trending products: the last week's interest, each day weighing less than the next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from widget.events import keys as live_keys
from widget.recommendations import keys

DAYS = 7
DAILY_DECAY = 0.8
TOP = 1000


async def load_trending(redis: Any, shop: str, now: datetime | None = None) -> list[str]:
    """The `TOP` product ids of most interest lately, most first."""
    today = now or datetime.now(UTC)
    days = ((today - timedelta(days=back)).strftime("%Y%m%d") for back in range(DAYS))
    weights = {live_keys.daily_views(shop, day): DAILY_DECAY**back for back, day in enumerate(days)}
    target = keys.trending(shop)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.zunionstore(target, weights)
        pipe.expire(target, 120)
        pipe.zrange(target, 0, TOP - 1, desc=True)
        *_, top = await pipe.execute()
    return list(top)
