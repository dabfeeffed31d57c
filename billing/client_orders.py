"""The cross-check of revenue: orders the browser reported (`Order Completed` events).

They are never revenue (only orders of record are), but their count per day against the
orders of record shows a shop whose backend misses orders, or a tracker that misses
checkouts. Kept per period as order id -> billing day, the first report winning, so a
thank-you page reloaded twice is one order.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from typing import Any

from billing.contributions import Contribution
from billing.periods import Period
from tracker.keys import shop_key


def client_orders_key(shop: str, period: str) -> str:
    """Hash order id -> ISO day (belongs in billing/keys.py; kept here while that is frozen)."""
    return shop_key(shop, f"billing:client-orders:{period}")


async def record_client_order(redis: Any, shop: str, contribution: Contribution) -> bool:
    """True when the order is reported for the first time."""
    key = client_orders_key(shop, str(Period.of(contribution.day)))
    return bool(await redis.hsetnx(key, contribution.order_id, contribution.day.isoformat()))


async def client_orders_per_day(redis: Any, shop: str, period: Period) -> dict[datetime.date, int]:
    stored = await redis.hgetall(client_orders_key(shop, str(period)))
    return count_per_day(datetime.date.fromisoformat(day) for day in stored.values())


def count_per_day(days: Iterable[datetime.date]) -> dict[datetime.date, int]:
    return dict(sorted(Counter(days).items()))
