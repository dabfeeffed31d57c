from __future__ import annotations

import asyncio
import datetime
from decimal import Decimal
from typing import Any

import pytest

from billing.errors import InvoiceNotIssued, MissingSeller, PeriodNotOver, UnknownInvoice
from billing.invoice_records import get_invoice
from billing.invoice_store import create_draft, finalize, run_period, void
from billing.ledger import record_order
from billing.periods import Period
from tests.billing.ledger_samples import AFTER_OCTOBER, SELLER, october_ledger

pytestmark = pytest.mark.anyio
OCTOBER = Period(2026, 10)


async def test_a_draft_carries_its_lines_and_evidence(store: Any) -> None:
    await october_ledger(store, "s")
    invoice = await create_draft(store, "s", OCTOBER, AFTER_OCTOBER)
    draft = invoice.draft
    assert (invoice.status, draft.total, draft.contract_version) == ("draft", GOLDEN_TOTAL, 1)
    assert sum(line.amount for line in draft.lines) == draft.total
    assert draft.evidence["statistics"]["treatment"]["visitors"] == 300
    assert draft.lock.cap_source == "pooled"


async def test_recomputing_from_the_evidence_gives_the_same_cents(store: Any) -> None:
    await october_ledger(store, "s")
    draft = (await create_draft(store, "s", OCTOBER, AFTER_OCTOBER)).draft
    again = draft.recompute()
    assert (again.total, again.share_fee) == (draft.total, draft.lines[-1].amount)
    assert again.to_json() == (await get_invoice(store, "s", OCTOBER)).draft.recompute().to_json()


async def test_a_period_not_over_is_not_invoiced(store: Any) -> None:
    await october_ledger(store, "s", treated=2, holdout=2)
    with pytest.raises(PeriodNotOver):
        await create_draft(
            store, "s", OCTOBER, datetime.datetime(2026, 10, 31, tzinfo=datetime.UTC)
        )


async def test_the_draft_is_fixed_and_late_orders_do_not_reach_it(store: Any) -> None:
    await october_ledger(store, "s")
    first = await create_draft(store, "s", OCTOBER, AFTER_OCTOBER)
    late = await record_order(store, "s", "v1", datetime.date(2026, 10, 30), 10**6, entry_id="x")
    assert late == "late"
    again = await create_draft(store, "s", OCTOBER, AFTER_OCTOBER + datetime.timedelta(days=3))
    assert again == first


async def test_racing_runs_make_one_draft(store: Any) -> None:
    await october_ledger(store, "s")
    runs = [
        run_period(store, OCTOBER, AFTER_OCTOBER + datetime.timedelta(seconds=i)) for i in range(20)
    ]
    results = await asyncio.gather(*runs)
    assert len({invoices[0].draft.created_at for invoices, _ in results}) == 1


async def test_finalize_numbers_gap_free_and_freezes(store: Any) -> None:
    for shop in ("a", "b"):
        await october_ledger(store, shop, treated=20, holdout=20)
        await create_draft(store, shop, OCTOBER, AFTER_OCTOBER)
    issued = await asyncio.gather(
        *(finalize(store, "a", OCTOBER, AFTER_OCTOBER) for _ in range(30))
    )
    assert {invoice.issue.number for invoice in issued if invoice.issue} == {"INV-a-000001"}
    later = await finalize(store, "a", OCTOBER, AFTER_OCTOBER + datetime.timedelta(days=1))
    assert later == issued[0] and later.issue is not None and later.issue.seller == SELLER
    other = (await finalize(store, "b", OCTOBER, AFTER_OCTOBER)).issue
    assert other is not None and other.number == "INV-b-000001"


async def test_void_adds_a_numbered_credit_note_once(store: Any) -> None:
    await october_ledger(store, "s", treated=20, holdout=20)
    await create_draft(store, "s", OCTOBER, AFTER_OCTOBER)
    with pytest.raises(InvoiceNotIssued):
        await void(store, "s", OCTOBER, "wrong contract", AFTER_OCTOBER)
    issued = await finalize(store, "s", OCTOBER, AFTER_OCTOBER)
    voided = await asyncio.gather(
        *(void(store, "s", OCTOBER, "x", AFTER_OCTOBER) for _ in range(5))
    )
    assert {v.credit_note.number for v in voided if v.credit_note} == {"CN-s-000001"}
    assert (voided[0].status, voided[0].draft, voided[0].issue) == (
        "void",
        issued.draft,
        issued.issue,
    )


async def test_missing_invoice_or_seller_is_an_error(store: Any) -> None:
    with pytest.raises(MissingSeller):
        await finalize(store, "s", OCTOBER, AFTER_OCTOBER)
    await october_ledger(store, "s", treated=2, holdout=2)
    with pytest.raises(UnknownInvoice):
        await finalize(store, "s", OCTOBER, AFTER_OCTOBER)


GOLDEN_TOTAL = Decimal("178.00")  # 49.00 licence + 15% of 860.00: as compute_fee on the rows
