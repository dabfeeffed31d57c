from __future__ import annotations

import datetime
from typing import Any

import pytest

from billing import keys
from billing.holdout import record_exposure
from billing.ledger import record_order, record_visit
from billing.period_lock import lock_period
from billing.periods import Period
from billing.recompute import check_ledger
from billing.unseen_rows import GRACE, forget_unseen

pytestmark = pytest.mark.anyio
OCTOBER = Period(2026, 10)
AT = datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC)
LOCKED = datetime.datetime(2026, 11, 3, tzinfo=datetime.UTC)


async def october(store: Any) -> None:
    """A seen visitor, an unseen one with page views only, an unseen one with an order."""
    await record_exposure(store, "s", "seen", "treatment", AT)
    day = datetime.date(2026, 10, 5)
    await record_visit(store, "s", "seen", day, exposed=True, page_views=2, entry_id="e1")
    await record_visit(store, "s", "browser", day, page_views=3, entry_id="e2")
    await record_order(store, "s", "buyer", day, 1500, entry_id="o1")


async def test_unseen_rows_without_orders_go_once_the_lock_is_old_enough(store: Any) -> None:
    await october(store)
    before = await check_ledger(store, "s", OCTOBER, "EUR", None)
    await lock_period(store, "s", OCTOBER, None, LOCKED)
    assert await forget_unseen(store, "s", LOCKED + GRACE - datetime.timedelta(seconds=1)) == 0
    assert await forget_unseen(store, "s", LOCKED + GRACE) == 1
    rows = await store.hkeys(keys.visitors("s", str(OCTOBER)))
    assert sorted(rows) == ["buyer", "seen"]
    after = await check_ledger(store, "s", OCTOBER, "EUR", None)
    assert after.matches and after.stored == before.stored
    # Once forgotten, a month is not scanned again.
    await store.hset(keys.visitors("s", str(OCTOBER)), "browser", "|0|0|1|0|0")
    assert await forget_unseen(store, "s", LOCKED + 2 * GRACE) == 0


async def test_a_month_not_locked_keeps_every_row(store: Any) -> None:
    await october(store)
    assert await forget_unseen(store, "s", LOCKED + 10 * GRACE) == 0
    assert await store.hlen(keys.visitors("s", str(OCTOBER))) == 3
