"""Entries after a month's lock appear on a later invoice as adjustment lines with their
evidence, instead of being dropped."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from billing import Period, record_order, record_refund
from billing.invoice_store import create_draft, finalize, reissue, void
from tests.billing.ledger_samples import AFTER_OCTOBER, october_ledger
from tests.billing.test_cumulative_invoices import AFTER_NOVEMBER, cumulative_ledger

pytestmark = pytest.mark.anyio
OCTOBER, NOVEMBER, DECEMBER = Period(2026, 10), Period(2026, 11), Period(2026, 12)
AFTER_DECEMBER = datetime.datetime(2027, 1, 2, 9, tzinfo=datetime.UTC)
TREATED_DAY = datetime.date(2026, 10, 6)  # v5: a treated visitor who spent 15.00


async def test_a_late_refund_is_settled_on_the_next_invoice(store: Any) -> None:
    await october_ledger(store, "s")  # 15% of the point estimate, EUR 49 licence
    await create_draft(store, "s", OCTOBER, AFTER_OCTOBER)
    october = await finalize(store, "s", OCTOBER, AFTER_OCTOBER)
    outcome = await record_refund(store, "s", "v5", TREATED_DAY, 500, entry_id="refund-1")
    assert outcome == "late"

    november = (await create_draft(store, "s", NOVEMBER, AFTER_NOVEMBER)).draft
    (adjustment,) = november.adjustments
    # 5.00 less treated revenue lowers the point estimate's incremental revenue by 5.00
    # exactly (v5 is below the cap): 15% of it is 0.75
    assert adjustment.amount == Decimal("-0.75")
    assert adjustment.revenue_change == Decimal("-5.00")
    assert adjustment.corrected_share == Decimal(october.draft.evidence["share_fee"]) - Decimal(
        "0.75"
    )
    assert (adjustment.period, adjustment.new_entries, adjustment.late_entries) == ("2026-10", 1, 1)
    assert november.lines[-1].description.startswith("Adjustment: 1 entries of 2026-10")
    assert november.lines[-1].amount == Decimal("-0.75")
    assert november.total == sum(line.amount for line in november.lines)
    assert "It also settles entries that arrived after 2026-10 had been invoiced: -€0.75." in (
        november.statement
    )

    await finalize(store, "s", NOVEMBER, AFTER_NOVEMBER)
    await record_order(store, "s", "v7", TREATED_DAY, 2000, entry_id="late-order")
    december = (await create_draft(store, "s", DECEMBER, AFTER_DECEMBER)).draft
    (again,) = december.adjustments
    # only the new entry, priced against what October's share came to after November
    assert (again.new_entries, again.late_entries) == (1, 2)
    assert again.amount == Decimal("3.00")  # 15% of 20.00


async def test_nothing_new_settles_nothing(store: Any) -> None:
    await october_ledger(store, "s")
    await create_draft(store, "s", OCTOBER, AFTER_OCTOBER)
    await finalize(store, "s", OCTOBER, AFTER_OCTOBER)
    assert (await create_draft(store, "s", NOVEMBER, AFTER_NOVEMBER)).draft.adjustments == ()


async def test_on_the_cumulative_basis_late_entries_join_the_bound(store: Any) -> None:
    await cumulative_ledger(store, "s", [OCTOBER, NOVEMBER])
    await create_draft(store, "s", OCTOBER, AFTER_NOVEMBER)
    await finalize(store, "s", OCTOBER, AFTER_NOVEMBER)
    visitor = f"{OCTOBER}-v0"  # treated, bought 20.00 on 1 October
    day = OCTOBER.first_day
    await record_refund(store, "s", visitor, day, 2_000, entry_id="refund-1")
    november = (await create_draft(store, "s", NOVEMBER, AFTER_NOVEMBER)).draft
    (adjustment,) = november.adjustments
    assert (adjustment.amount, adjustment.corrected_share) == (Decimal(0), None)
    assert adjustment.revenue_change == Decimal("-20.00")
    treated = november.evidence["statistics"]["treatment"]
    # 2 months of 500 treated visitors, 150 buyers each, one refunded in full
    assert (treated["converting_visitors"], treated["net_revenue"]) == (300, 299 * 2_000)
    assert "counted in the bound above" in november.lines[-1].description


async def test_a_reissue_includes_late_entries_and_they_are_not_settled_twice(
    store: Any,
) -> None:
    await october_ledger(store, "s")
    first = (await create_draft(store, "s", OCTOBER, AFTER_OCTOBER)).draft
    await finalize(store, "s", OCTOBER, AFTER_OCTOBER)
    await record_refund(store, "s", "v5", TREATED_DAY, 500, entry_id="refund-1")
    await void(store, "s", OCTOBER, "a refund arrived after the invoice", AFTER_OCTOBER)
    corrected = (await reissue(store, "s", OCTOBER, AFTER_OCTOBER)).draft
    assert corrected.late_included == 1
    share = Decimal(corrected.evidence["share_fee"])
    assert share == Decimal(first.evidence["share_fee"]) - Decimal("0.75")
    await finalize(store, "s", OCTOBER, AFTER_OCTOBER)
    assert (await create_draft(store, "s", NOVEMBER, AFTER_NOVEMBER)).draft.adjustments == ()
