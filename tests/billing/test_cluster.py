"""Billing on a real Redis Cluster: every script keeps to its shop's slot."""

from __future__ import annotations

from typing import Any

import pytest

from billing.invoice_store import finalize, run_period, void
from billing.periods import Period
from billing.recompute import check_ledger
from tests.billing.ledger_samples import AFTER_OCTOBER, october_ledger

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
OCTOBER = Period(2026, 10)


async def test_ledger_invoices_and_credit_notes_on_a_cluster(cluster: Any) -> None:
    shops = ["acme", "beta", "gamma"]  # on different nodes
    # issuing waits for the disk (WAITAOF), which needs the append-only file on each node
    await cluster.config_set("appendonly", "yes", target_nodes=cluster.ALL_NODES)
    for shop in shops:
        await october_ledger(cluster, shop, treated=20, holdout=20)
    drafted, skipped = await run_period(cluster, OCTOBER, AFTER_OCTOBER)
    assert ([invoice.draft.shop for invoice in drafted], skipped) == (shops, [])
    for shop in shops:
        issued = await finalize(cluster, shop, OCTOBER, AFTER_OCTOBER)
        assert issued.issue is not None and issued.issue.number == f"INV-{shop}-000001"
        check = await check_ledger(
            cluster, shop, OCTOBER, "EUR", issued.draft.lock.revenue_cap_minor
        )
        assert check.matches
    voided = await void(cluster, "beta", OCTOBER, "test", AFTER_OCTOBER)
    assert voided.credit_note is not None and voided.credit_note.number == "CN-beta-000001"
