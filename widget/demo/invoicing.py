"""The demo month's invoice: once the billing consumer has counted every event and order,
the month is closed as it would be at its end, invoiced, issued and exported.

Events count on the day the server received them and orders on their `placed_at`, so the
replayed traffic is this month's, and billing invoices only a month that is over. The demo
therefore issues this month's invoice dated at the month's close (the first instant of
next month): the one simulated date in the billing path. Locking the month means that
later traffic on the demo server no longer counts for it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from billing.consumer import BILLING_GROUP
from billing.documents import documents
from billing.exports import file_name, to_csv
from billing.invoice_pdf import render_pdf
from billing.invoice_store import finalize, run_period
from billing.invoices import Invoice
from billing.periods import Period
from tracker import keys as tracker_keys
from tracker.reader import group_backlog
from widget.orders import keys as orders_keys

LEDGER_TIMEOUT_S = 120.0


class LedgerBehind(RuntimeError):
    """The billing consumer did not count everything in time."""


@dataclass(frozen=True)
class IssuedInvoices:
    invoice: Invoice
    files: tuple[Path, ...]


async def _behind(redis: Any, stream: str) -> tuple[int, int]:
    """Entries of `stream` the billing group has not yet acknowledged, and its length."""
    length = int(await redis.xlen(stream))
    return (await group_backlog(redis, stream)).get(BILLING_GROUP, length), length


async def wait_for_ledger(
    redis: Any,
    shop: str,
    progress: Callable[[int, int], object],
    timeout_s: float = LEDGER_TIMEOUT_S,
) -> None:
    """Until the billing consumer has counted every event and order of the shop so far;
    `progress(counted, total)` in stream entries."""
    streams = (tracker_keys.event_stream(shop), orders_keys.order_log(shop))
    deadline = time.monotonic() + timeout_s
    while True:
        found = [await _behind(redis, stream) for stream in streams]
        behind, total = sum(b for b, _ in found), sum(t for _, t in found)
        progress(total - behind, total)
        if not behind:
            return
        if time.monotonic() > deadline:
            raise LedgerBehind(f"the billing consumer did not count {shop}'s traffic in time")
        await asyncio.sleep(0.5)


async def issue_month(
    redis: Any, shop: str, period: Period, time_zone: str, folder: Path
) -> IssuedInvoices:
    """Draft, issue and export (CSV and one PDF per document) the shop's invoice."""
    closing = period.ends_at(time_zone)
    await run_period(redis, period, closing, [shop])
    invoice = await finalize(redis, shop, period, closing)
    found = documents([invoice])
    folder.mkdir(parents=True, exist_ok=True)
    table = folder / f"invoices-{period}.csv"
    table.write_text(to_csv(found))
    files = [table]
    for document in found:
        files.append(folder / file_name(document, "pdf"))
        files[-1].write_bytes(render_pdf(document))
    return IssuedInvoices(invoice, tuple(files))
