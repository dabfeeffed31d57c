from __future__ import annotations

import asyncio
import datetime
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from billing import Arm, CovariateSums, ExperimentStatistics
from billing.day_statistics import (
    daily_statistics,
    late_covariates,
    late_statistics,
    period_covariates,
    period_statistics,
)
from billing.holdout import record_exposure
from billing.ledger import late_entries, record_order, record_refund, record_visit
from billing.period_lock import lock_period
from billing.periods import Period
from billing.recompute import check_ledger
from billing.visitors import summarise_covariate
from tests.billing.ledger_samples import ledger_entries
from widget.platform.store import connect

pytestmark = pytest.mark.anyio
OCTOBER = Period(2026, 10)
AT = datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC)
CAP = 10_000


def day(number: int) -> datetime.date:
    return datetime.date(2026, 10, number)


async def _seen(store: Any, visitor: str, on: int, arm: Arm = "treatment") -> None:
    await record_exposure(store, "s", visitor, arm, AT)
    await record_visit(store, "s", visitor, day(on), exposed=True)


async def _corrected(store: Any, cap: int | None) -> ExperimentStatistics:
    locked = await period_statistics(store, "s", OCTOBER, "EUR", cap)
    return locked + await late_statistics(store, "s", OCTOBER, "EUR", cap)


async def test_late_entries_leave_the_locked_statistics_and_correct_them_under_the_cap(
    store: Any,
) -> None:
    await _seen(store, "big", 2)
    await record_order(store, "s", "big", day(2), 30_000, entry_id="o1")
    await _seen(store, "small", 3)
    await record_order(store, "s", "small", day(3), 4_000, entry_id="o2")
    before = await daily_statistics(store, "s", OCTOBER, "EUR", CAP)
    await lock_period(store, "s", OCTOBER, CAP, AT)
    assert await record_refund(store, "s", "big", day(2), 25_000, entry_id="r1") == "late"
    assert await record_order(store, "s", "small", day(3), 9_000, entry_id="o3") == "late"
    await _seen(store, "new", 4)
    assert await daily_statistics(store, "s", OCTOBER, "EUR", CAP) == before
    late = (await late_statistics(store, "s", OCTOBER, "EUR", CAP)).treatment
    # big 10000 (capped) -> 5000, small 4000 -> 10000 (capped), new 0
    assert (late.capped_revenue, late.capped_visitors, late.visitors) == (1_000, 0, 1)
    assert late.capped_revenue_squares == 5_000**2 - 10_000**2 + 10_000**2 - 4_000**2
    assert (late.net_revenue, late.orders) == (-16_000, 1)
    check = await check_ledger(store, "s", OCTOBER, "EUR", CAP, corrected=True)
    assert check.matches
    recomputed = sum(check.recomputed.values(), ExperimentStatistics("EUR", CAP))
    assert await _corrected(store, CAP) == recomputed
    assert (await check_ledger(store, "s", OCTOBER, "EUR", CAP)).matches


async def test_a_late_sighting_moves_the_row_between_days(store: Any) -> None:
    await _seen(store, "v1", 9, "holdout")
    await lock_period(store, "s", OCTOBER, None, AT)
    await record_visit(store, "s", "v1", day(2), exposed=True)
    late = await daily_statistics(store, "s", OCTOBER, "EUR", None, late=True)
    assert {d: s.holdout.visitors for d, s in late.items()} == {day(2): 1, day(9): -1}
    assert (await check_ledger(store, "s", OCTOBER, "EUR", None, corrected=True)).matches


async def test_late_entries_are_logged_as_evidence(store: Any) -> None:
    await _seen(store, "v1", 1)
    await lock_period(store, "s", OCTOBER, None, AT)
    await record_order(store, "s", "v1", day(5), 7_000, entry_id="order:a")
    await record_refund(store, "s", "v1", day(5), 2_000, entry_id="refund:a")
    await record_refund(store, "s", "v1", day(5), 2_000, entry_id="refund:a")
    await record_order(store, "s", "nobody", day(6), 900, entry_id="order:b")
    await record_visit(store, "s", "v1", day(3), exposed=True)  # seen earlier already: no change
    found = await late_entries(store, "s", OCTOBER)
    assert [(e.entry_id, e.kind, e.arm, e.revenue_minor) for e in found] == [
        ("order:a", "order", "treatment", 7_000),
        ("refund:a", "refund", "treatment", -2_000),
        ("order:b", "order", None, 900),
    ]
    assert found[0].day == day(5) and found[0].orders == 1 and not found[0].exposed
    age = datetime.datetime.now(datetime.UTC) - found[0].applied_at
    assert datetime.timedelta(0) <= age < datetime.timedelta(minutes=1)


async def test_pre_exposure_revenue_is_frozen_at_the_exposure(store: Any) -> None:
    await record_order(store, "s", "v1", day(1), 5_000, entry_id="o1")
    await record_order(store, "s", "v1", day(2), 3_000, entry_id="o2")
    await record_refund(store, "s", "v1", day(2), 1_000, entry_id="r2")
    await _seen(store, "v1", 10)
    await record_order(store, "s", "v1", day(11), 2_000, entry_id="o3")  # an outcome
    await record_refund(store, "s", "v1", day(1), 5_000, entry_id="r1")  # after: an outcome
    await _seen(store, "v2", 10)
    covariates = (await period_covariates(store, "s", OCTOBER, None)).treatment
    y = 5_000 + 2_000 + 2_000 - 5_000  # the period's orders less refunds
    assert covariates == CovariateSums(2, 7_000, 7_000**2, 7_000 * y)


async def test_covariate_sums_are_capped_like_revenue(store: Any) -> None:
    before = {"a": 25_000, "b": 3_000, "c": 0, "d": 12_000}
    after = {"a": 500, "b": 40_000, "c": 11_000, "d": 0}
    for visitor in before:
        if before[visitor]:
            await record_order(store, "s", visitor, day(1), before[visitor], entry_id=f"x{visitor}")
        await _seen(store, visitor, 5, "holdout" if visitor == "d" else "treatment")
        if after[visitor]:
            await record_order(store, "s", visitor, day(6), after[visitor], entry_id=f"y{visitor}")
    found = await period_covariates(store, "s", OCTOBER, CAP)
    y = [before[v] + after[v] for v in "abc"]  # pre-exposure orders in the period count in y
    assert found.treatment == summarise_covariate(
        pre_period_revenue_minor=np.array([before[v] for v in "abc"]),
        net_revenue_minor=np.array(y),
        revenue_cap_minor=CAP,
    )
    assert found.holdout == CovariateSums(1, CAP, CAP**2, CAP * CAP)
    assert (await check_ledger(store, "s", OCTOBER, "EUR", CAP)).matches


async def test_late_covariates_correct_the_locked_ones(store: Any) -> None:
    await record_order(store, "s", "v1", day(1), 20_000, entry_id="o1")
    await _seen(store, "v1", 2)
    await lock_period(store, "s", OCTOBER, CAP, AT)
    await record_refund(store, "s", "v1", day(1), 15_000, entry_id="r1")
    late = await late_covariates(store, "s", OCTOBER, CAP)
    # x stays 20000 (capped 10000); y falls from 20000 to 5000
    assert late.treatment == CovariateSums(0, 0, 0, CAP * 5_000 - CAP * CAP)
    assert (await check_ledger(store, "s", OCTOBER, "EUR", CAP, corrected=True)).matches


_entries = ledger_entries(visitors=4, amounts=30_000, max_size=30, min_size=4)
# orders and refunds before the visitors' exposures: their covariate
_before = st.lists(
    st.tuples(st.integers(0, 3), st.sampled_from(["order", "refund"]), st.integers(1, 20_000)),
    max_size=8,
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_before, _entries, st.integers(0, 30), st.sampled_from([None, 8_000]))
@example([(0, "order", 20_000)], [(0, "seen", 2, 1), (0, "refund", 1, 15_000)], 1, 8_000)
def test_locked_plus_late_is_the_period_without_a_lock(
    clean_store: str,
    before: list[tuple[int, str, int]],
    entries: list[tuple[int, str, int, int]],
    lock_at: int,
    cap: int | None,
) -> None:
    async def apply(lock: int | None) -> tuple[Any, ...]:
        store = await connect(clean_store)
        await store.flushdb()
        for index, (visitor, kind, amount) in enumerate(before):
            record = record_order if kind == "order" else record_refund
            await record(store, "s", f"v{visitor}", day(1), amount, entry_id=f"p{index}")
        for visitor in range(4):
            await record_exposure(
                store, "s", f"v{visitor}", ("treatment", "holdout")[visitor % 2], AT
            )
        for index, (visitor, kind, day_number, amount) in enumerate(entries):
            if index == lock:
                await lock_period(store, "s", OCTOBER, cap, AT)
            name, entry, on = f"v{visitor}", f"e{index}", day(day_number)
            if kind == "seen":
                await record_visit(store, "s", name, on, exposed=True)
            elif kind == "views":
                await record_visit(store, "s", name, on, page_views=amount % 9, entry_id=entry)
            elif kind == "order":
                await record_order(store, "s", name, on, amount, entry_id=entry)
            else:
                await record_refund(store, "s", name, on, amount, entry_id=entry)
        checks = [
            await check_ledger(store, "s", OCTOBER, "EUR", cap, corrected=c) for c in (False, True)
        ]
        corrected = await _corrected(store, cap)
        covariates = await period_covariates(store, "s", OCTOBER, cap)
        covariates += await late_covariates(store, "s", OCTOBER, cap)
        await store.aclose()
        return checks, corrected, covariates

    locked_checks, *locked = asyncio.run(apply(lock_at % (len(entries) + 1)))
    unlocked_checks, *unlocked = asyncio.run(apply(None))
    assert all(check.matches for check in locked_checks + unlocked_checks)
    assert locked == unlocked
