"""Invoices in the store: one per shop and period, ever; numbered gap-free; never rewritten.

- `create_draft` locks the period and writes the draft with HSETNX: racing runs agree on
  one draft, whoever wins.
- `finalize` is one script that increments the shop's invoice counter and writes the
  number only if none is there: a number is taken exactly when an invoice gets it, so the
  series has no gaps and no number twice, however many finalize at once.
- `void` likewise gives the issued invoice a credit note with its own number.
Numbers are per shop (`INV-<shop>-000001`, `CN-<shop>-000001`) so that every script keeps
to the shop's Cluster slot.
"""

from __future__ import annotations

import datetime
from typing import Any

from billing import keys
from billing.contract_store import billed_shops, contract_in_force
from billing.day_statistics import period_statistics
from billing.errors import InvoiceNotIssued, NoContractInForce, PeriodNotOver, UnknownInvoice
from billing.fees import compute_fee
from billing.invoices import Draft, Invoice, Issue
from billing.parties import get_buyer, get_seller
from billing.period_lock import lock_period
from billing.periods import Period
from billing.traffic_quality import traffic_quality

# KEYS: the document's hash, its series' counter, [the invoice it credits]; ARGV: prefix, issue
_ISSUE_SCRIPT = """
if KEYS[3] then
  if redis.call('HEXISTS', KEYS[3], 'number') == 0 then return '' end
elseif redis.call('HEXISTS', KEYS[1], 'draft') == 0 then
  return ''
end
local number = redis.call('HGET', KEYS[1], 'number')
if number then return number end
number = ARGV[1] .. string.format('%06d', redis.call('INCR', KEYS[2]))
redis.call('HSET', KEYS[1], 'number', number, 'issue', ARGV[2])
return number
"""


async def create_draft(redis: Any, shop: str, period: Period, now: datetime.datetime) -> Invoice:
    """The shop's invoice for the period: drafted now unless one exists already."""
    existing = await find_invoice(redis, shop, period)
    if existing is not None:
        return existing
    contract = await contract_in_force(redis, shop, period)
    if not period.is_over(contract.billing_time_zone, now):
        raise PeriodNotOver(str(period))
    lock = await lock_period(redis, shop, period, contract.revenue_cap_minor, now)
    statistics = await period_statistics(
        redis, shop, period, contract.currency, lock.revenue_cap_minor
    )
    quality = await traffic_quality(
        redis, shop, period, statistics, contract.holdout_share, contract.gates.sample_ratio_alpha
    )
    draft = Draft.of_fee(compute_fee(contract, statistics, quality), str(period), lock, now)
    await redis.hsetnx(keys.invoice(shop, str(period)), "draft", draft.to_json())
    return await get_invoice(redis, shop, period)


async def run_period(
    redis: Any, period: Period, now: datetime.datetime, shops: list[str] | None = None
) -> tuple[list[Invoice], list[str]]:
    """Drafts for every billed shop (or those given); also the shops with no contract in force."""
    drafted, skipped = [], []
    for shop in shops if shops is not None else await billed_shops(redis):
        try:
            drafted.append(await create_draft(redis, shop, period, now))
        except NoContractInForce:
            skipped.append(shop)
    return drafted, skipped


async def finalize(redis: Any, shop: str, period: Period, now: datetime.datetime) -> Invoice:
    """Number and freeze the draft; an issued invoice is returned unchanged."""
    issue = Issue("", now, await get_seller(redis), await get_buyer(redis, shop))
    number = await redis.register_script(_ISSUE_SCRIPT)(
        keys=[keys.invoice(shop, str(period)), keys.sequence(shop, "invoice")],
        args=[f"INV-{shop}-", issue.to_json()],
    )
    if not number:
        raise UnknownInvoice(shop, str(period))
    return await get_invoice(redis, shop, period)


async def void(
    redis: Any, shop: str, period: Period, reason: str, now: datetime.datetime
) -> Invoice:
    """Cancel an issued invoice by a credit note of its full amount (done once)."""
    invoice = await get_invoice(redis, shop, period)
    if invoice.issue is None:
        raise InvoiceNotIssued(shop, str(period))
    note = Issue("", now, invoice.issue.seller, invoice.issue.buyer, reason)
    await redis.register_script(_ISSUE_SCRIPT)(
        keys=[
            keys.credit_note(shop, str(period)),
            keys.sequence(shop, "credit-note"),
            keys.invoice(shop, str(period)),
        ],
        args=[f"CN-{shop}-", note.to_json()],
    )
    return await get_invoice(redis, shop, period)


async def find_invoice(redis: Any, shop: str, period: Period) -> Invoice | None:
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hgetall(keys.invoice(shop, str(period)))
        pipe.hgetall(keys.credit_note(shop, str(period)))
        stored, credit = await pipe.execute()
    if not stored:
        return None
    return Invoice(
        draft=Draft.from_json(stored["draft"]),
        issue=Issue.from_json(stored["number"], stored["issue"]) if "number" in stored else None,
        credit_note=Issue.from_json(credit["number"], credit["issue"]) if credit else None,
    )


async def get_invoice(redis: Any, shop: str, period: Period) -> Invoice:
    found = await find_invoice(redis, shop, period)
    if found is None:
        raise UnknownInvoice(shop, str(period))
    return found


async def period_invoices(
    redis: Any, period: Period, shops: list[str] | None = None
) -> list[Invoice]:
    """The period's invoices of every billed shop (or those given), by shop."""
    found = [
        await find_invoice(redis, shop, period)
        for shop in (shops if shops is not None else await billed_shops(redis))
    ]
    return [invoice for invoice in found if invoice is not None]
