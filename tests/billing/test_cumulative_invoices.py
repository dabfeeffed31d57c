"""Invoices on the cumulative basis: the bound since the contract started, less the share
billed before; voided invoices replaced under new numbers; issuing waits for the disk."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from billing import Period, record_exposure, record_order, record_visit
from billing.contract_store import add_contract
from billing.contract_to_date import contract_to_date
from billing.currency import format_money, round_half_up
from billing.day_statistics import period_statistics
from billing.documents import documents
from billing.errors import EarlierPeriodOpen, InvoiceNotVoid, NotDurable
from billing.invoice_records import invoice_revisions, period_invoices
from billing.invoice_store import create_draft, finalize, reissue, void
from billing.parties import set_seller
from tests.billing.ledger_samples import SELLER
from tests.billing.samples import SIGNED, SMALL_GATES, contract
from tests.servers import plain_server
from widget.platform.store import connect

pytestmark = pytest.mark.anyio
OCTOBER, NOVEMBER = Period(2026, 10), Period(2026, 11)
AFTER_NOVEMBER = datetime.datetime(2026, 12, 2, 9, tzinfo=datetime.UTC)
CAP_MINOR = 10_000


async def cumulative_ledger(store: Any, shop: str, periods: list[Period]) -> None:
    """A cumulative contract from October and 1,000 visitors a month, half held out:
    treated visitors buy 20.00 EUR in 3 of 10 cases, held-out ones in 1 of 10."""
    terms = contract(
        shop=shop,
        basis="cumulative",
        holdout_share=0.5,
        gates=SMALL_GATES,
        monthly_visitors=1_000,
        revenue_per_visitor_cap=Decimal("100.00"),
    )
    await add_contract(store, terms, SIGNED)
    await set_seller(store, SELLER)
    for period in periods:
        start = datetime.datetime(period.year, period.month, 1, tzinfo=datetime.UTC)
        for index in range(1_000):
            visitor, treated = f"{period}-v{index}", index % 2 == 0
            await record_exposure(
                store, shop, visitor, "treatment" if treated else "holdout", start
            )
            day = period.first_day + datetime.timedelta(days=index % 28)
            await record_visit(store, shop, visitor, day, exposed=True)
            if (index // 2) % 10 < (3 if treated else 1):
                await record_order(store, shop, visitor, day, 2_000, entry_id=f"o-{visitor}")


async def test_each_month_bills_the_bound_since_the_start_less_what_was_billed(
    store: Any,
) -> None:
    await cumulative_ledger(store, "s", [OCTOBER, NOVEMBER])
    october = (await create_draft(store, "s", OCTOBER, AFTER_NOVEMBER)).draft
    assert october.evidence["billed_before"] == "0"
    october_share = Decimal(october.evidence["share_fee"])
    assert october_share > 0 and october.total == october_share
    with pytest.raises(EarlierPeriodOpen, match="2026-10 has a draft not yet issued"):
        await create_draft(store, "s", NOVEMBER, AFTER_NOVEMBER)
    await finalize(store, "s", OCTOBER, AFTER_NOVEMBER)

    november = (await create_draft(store, "s", NOVEMBER, AFTER_NOVEMBER)).draft
    evidence = november.evidence
    both = await period_statistics(store, "s", OCTOBER, "EUR", CAP_MINOR)
    both += await period_statistics(store, "s", NOVEMBER, "EUR", CAP_MINOR)
    assert evidence["statistics"]["treatment"] == both.treatment.__dict__
    assert Decimal(evidence["billed_before"]) == october_share
    due = Decimal(evidence["share_due"])
    assert due == Decimal(15) / 100 * Decimal(evidence["incremental_lower_bound"])
    assert november.total == round_half_up(max(Decimal(0), due - october_share), "EUR")
    assert f"{format_money(october_share, 'EUR')} was billed before" in november.statement
    assert evidence["bound"]["earlier_looks"] == [october.evidence["bound"]["visitors"]]
    again = november.recompute()  # the evidence alone gives the same amounts
    assert (again.share_fee, again.total) == (Decimal(evidence["share_fee"]), november.total)
    assert november.statement.startswith("From 1 October 2026 to the end of November 2026")


async def test_a_voided_months_share_is_billed_again_later(store: Any) -> None:
    await cumulative_ledger(store, "s", [OCTOBER, NOVEMBER])
    await create_draft(store, "s", OCTOBER, AFTER_NOVEMBER)
    await finalize(store, "s", OCTOBER, AFTER_NOVEMBER)
    await void(store, "s", OCTOBER, "sent to the wrong address", AFTER_NOVEMBER)
    november = (await create_draft(store, "s", NOVEMBER, AFTER_NOVEMBER)).draft
    assert november.evidence["billed_before"] == "0"


async def test_a_voided_invoice_is_replaced_under_a_new_number(store: Any) -> None:
    await cumulative_ledger(store, "s", [OCTOBER])
    await create_draft(store, "s", OCTOBER, AFTER_NOVEMBER)
    first = await finalize(store, "s", OCTOBER, AFTER_NOVEMBER)
    with pytest.raises(InvoiceNotVoid):
        await reissue(store, "s", OCTOBER, AFTER_NOVEMBER)
    await void(store, "s", OCTOBER, "wrong buyer", AFTER_NOVEMBER)
    corrected = await reissue(store, "s", OCTOBER, AFTER_NOVEMBER)
    assert (corrected.status, corrected.draft.revision) == ("draft", 2)
    assert corrected.draft.replaces == "INV-s-000001"
    assert await reissue(store, "s", OCTOBER, AFTER_NOVEMBER) == corrected
    issued = await finalize(store, "s", OCTOBER, AFTER_NOVEMBER)
    assert issued.issue is not None and issued.issue.number == "INV-s-000002"
    assert [invoice.status for invoice in await invoice_revisions(store, "s", OCTOBER)] == [
        "void",
        "issued",
    ]
    found = documents(await period_invoices(store, OCTOBER))
    assert [(d.kind, d.number) for d in found] == [
        ("invoice", "INV-s-000001"),
        ("credit_note", "CN-s-000001"),
        ("invoice", "INV-s-000002"),
    ]
    assert sum(d.total for d in found) == issued.draft.total
    assert first.draft.evidence == issued.draft.evidence  # nothing arrived in between


async def test_issuing_waits_for_the_disk(tmp_path: Path) -> None:
    with plain_server(tmp_path) as url:
        client = await connect(url)
        try:
            await cumulative_ledger(client, "s", [OCTOBER])
            await create_draft(client, "s", OCTOBER, AFTER_NOVEMBER)
            for _ in range(2):  # a retry finds the same number, never takes a second one
                with pytest.raises(NotDurable, match="INV-s-000001 is numbered and stored"):
                    await finalize(client, "s", OCTOBER, AFTER_NOVEMBER)
        finally:
            await client.aclose()


async def test_contract_to_date_counts_a_returning_visitor_once(store: Any) -> None:
    for index, month in enumerate((OCTOBER, NOVEMBER)):
        day = month.first_day
        at = datetime.datetime(day.year, day.month, 1, tzinfo=datetime.UTC)
        await record_exposure(store, "s", "regular", "treatment", at)
        await record_visit(store, "s", "regular", day, exposed=True)
        # 150.00 in each month, each capped at 100.00 on its own
        await record_order(store, "s", "regular", day, 15_000, entry_id=f"o{index}")
        await record_exposure(store, "s", f"new-{index}", "holdout", at)
        await record_visit(store, "s", f"new-{index}", day, exposed=True)
    statistics, pre_period = await contract_to_date(
        store, "s", [OCTOBER, NOVEMBER], "EUR", CAP_MINOR
    )
    treated, held = statistics.treatment, statistics.holdout
    assert (treated.visitors, treated.orders, treated.converting_visitors) == (1, 2, 1)
    assert (treated.net_revenue, treated.capped_revenue, treated.capped_visitors) == (
        30_000,
        2 * CAP_MINOR,
        1,
    )
    assert treated.capped_revenue_squares == (2 * CAP_MINOR) ** 2
    assert held.visitors == 2  # two visitors, one month each
    assert pre_period.treatment.visitors == 1 and pre_period.holdout.visitors == 2
