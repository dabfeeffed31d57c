"""A locked month's rows of visitors never seen in it, deleted once no entry can need them.

The ledger keeps a row for every visitor with an entry in the month (`ledger.lua`), seen or
not, since an exposure later in the month makes the whole row count. Once the month is
locked its rows no longer change (later entries go to the late rows) and the invoices, the
recompute and the cumulative sums read the seen rows only. What an unseen row still serves
is a late entry that makes its visitor seen: the late row starts from it. So, `GRACE` after
the lock, the unseen rows without an order or revenue go, and at most the page views and
clicks of a visitor first seen by an order arriving later than that are not counted.
"""

from __future__ import annotations

import datetime
from typing import Any

from billing import keys
from billing.ledger import VisitorRow
from billing.period_lock import PeriodLock
from billing.periods import Period

GRACE = datetime.timedelta(days=35)
MONTHS_LOOKED_AT = 24
_SCAN = 1000


def _forgettable(text: str) -> bool:
    row = VisitorRow.parse(text)
    return row.seen_day is None and row.orders == 0 and row.revenue == 0


async def forget_unseen_rows(redis: Any, shop: str, period: Period) -> int:
    """Delete the month's unseen rows without orders (the month must be locked); how many."""
    rows, forgotten = keys.visitors(shop, str(period)), 0
    cursor = 0
    while True:
        cursor, found = await redis.hscan(rows, cursor, count=_SCAN)
        gone = [visitor for visitor, text in found.items() if _forgettable(text)]
        if gone:
            forgotten += await redis.hdel(rows, *gone)
        if cursor == 0:
            break
    await redis.set(keys.unseen_forgotten(shop, str(period)), 1)
    return forgotten


async def forget_unseen(
    redis: Any, shop: str, now: datetime.datetime, grace: datetime.timedelta = GRACE
) -> int:
    """Forget the unseen rows of the months (of the last two years) locked for `grace` and
    not forgotten yet; the rows deleted."""
    periods = [Period.of(now.date()).previous()]
    while len(periods) < MONTHS_LOOKED_AT:
        periods.append(periods[-1].previous())
    locks = await redis.mget([keys.lock(shop, str(period)) for period in periods])
    done = await redis.mget([keys.unseen_forgotten(shop, str(period)) for period in periods])
    forgotten = 0
    for period, lock, forgot in zip(periods, locks, done, strict=True):
        if lock is None or forgot is not None:
            continue
        if now >= PeriodLock.from_json(lock).locked_at + grace:
            forgotten += await forget_unseen_rows(redis, shop, period)
    return forgotten
