"""Reading invoices from the store: a period's revisions, the one in effect, a period's list.

A period has one invoice until it is voided; a corrected one may then replace it as the
next revision (`billing.invoice_store.reissue`). The latest revision is the period's
invoice; earlier ones stay readable, each with its credit note.
"""

from __future__ import annotations

from typing import Any

from billing import keys
from billing.contract_store import billed_shops
from billing.errors import UnknownInvoice
from billing.invoices import Draft, Invoice, Issue
from billing.periods import Period


async def invoice_revision(redis: Any, shop: str, period: Period, revision: int) -> Invoice | None:
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hgetall(keys.invoice(shop, str(period), revision))
        pipe.hgetall(keys.credit_note(shop, str(period), revision))
        stored, credit = await pipe.execute()
    if not stored:
        return None
    return Invoice(
        draft=Draft.from_json(stored["draft"]),
        issue=Issue.from_json(stored["number"], stored["issue"]) if "number" in stored else None,
        credit_note=Issue.from_json(credit["number"], credit["issue"]) if credit else None,
    )


async def invoice_revisions(redis: Any, shop: str, period: Period) -> list[Invoice]:
    """Every revision of the period's invoice, oldest first (empty when none was drafted)."""
    found: list[Invoice] = []
    while (invoice := await invoice_revision(redis, shop, period, len(found) + 1)) is not None:
        found.append(invoice)
    return found


async def find_invoice(redis: Any, shop: str, period: Period) -> Invoice | None:
    """The period's invoice: its latest revision."""
    revisions = await invoice_revisions(redis, shop, period)
    return revisions[-1] if revisions else None


async def get_invoice(redis: Any, shop: str, period: Period) -> Invoice:
    found = await find_invoice(redis, shop, period)
    if found is None:
        raise UnknownInvoice(shop, str(period))
    return found


async def period_invoices(
    redis: Any, period: Period, shops: list[str] | None = None
) -> list[Invoice]:
    """Every revision of the period's invoices of every billed shop (or those given), by shop."""
    found: list[Invoice] = []
    for shop in shops if shops is not None else await billed_shops(redis):
        found += await invoice_revisions(redis, shop, period)
    return found
