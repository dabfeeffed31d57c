"""Invoices in the store: one in effect per shop and period; numbered gap-free; never rewritten.

- `create_draft` locks the period and writes the draft with HSETNX: racing runs agree on
  one draft, whoever wins.
- `finalize` is one script that increments the shop's invoice counter and writes the
  number only if none is there: a number is taken exactly when an invoice gets it, so the
  series has no gaps and no number twice, however many finalize at once. It answers only
  once the store confirms the write on disk (WAITAOF), as orders do.
- `void` likewise gives the issued invoice a credit note with its own number.
- `reissue` drafts a corrected invoice for a voided one, as the period's next revision
  (its statistics now include what arrived after the lock); it is finalized under a new
  number like any draft.
Numbers are per shop (`INV-<shop>-000001`, `CN-<shop>-000001`) so that every script keeps
to the shop's Cluster slot.
"""

from __future__ import annotations

import datetime
from typing import Any

from billing import keys
from billing.contract_store import billed_shops, contract_in_force
from billing.errors import (
    InvoiceNotIssued,
    InvoiceNotVoid,
    NoContractInForce,
    NotDurable,
    PeriodNotOver,
    UnknownInvoice,
)
from billing.invoice_records import find_invoice, get_invoice
from billing.invoices import Draft, Invoice, Issue
from billing.late_adjustments import late_adjustments
from billing.ledger import late_entries
from billing.parties import get_buyer, get_seller
from billing.period_fee import period_fee
from billing.period_lock import lock_period
from billing.periods import Period
from tracker.durable import eval_durably, unconfirmed

DURABILITY_TIMEOUT_MS = 2_000

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
    return await _draft(redis, shop, period, now, revision=1, replaces=None)


async def reissue(redis: Any, shop: str, period: Period, now: datetime.datetime) -> Invoice:
    """A corrected draft in place of the period's voided invoice; an open draft is returned."""
    current = await get_invoice(redis, shop, period)
    if current.status == "draft":
        return current
    if current.status != "void" or current.issue is None:
        raise InvoiceNotVoid(shop, str(period))
    revision = current.draft.revision + 1
    return await _draft(redis, shop, period, now, revision=revision, replaces=current.issue.number)


async def _draft(
    redis: Any,
    shop: str,
    period: Period,
    now: datetime.datetime,
    *,
    revision: int,
    replaces: str | None,
) -> Invoice:
    contract = await contract_in_force(redis, shop, period)
    if not period.is_over(contract.billing_time_zone, now):
        raise PeriodNotOver(str(period))
    lock = await lock_period(redis, shop, period, contract.revenue_cap_minor, now)
    fee = await period_fee(redis, contract, period, lock.revenue_cap_minor)
    # counted after the statistics were read, so that an entry landing in between can only
    # be missed, never billed twice
    included = len(await late_entries(redis, shop, period))
    draft = Draft.of_fee(
        fee,
        period,
        lock,
        now,
        revision=revision,
        replaces=replaces,
        adjustments=await late_adjustments(redis, contract, period),
        late_included=included,
    )
    await redis.hsetnx(keys.invoice(shop, str(period), revision), "draft", draft.to_json())
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
    """Number and freeze the period's draft, once on disk; an issued invoice is returned
    unchanged."""
    seller = await get_seller(redis)
    draft = (await get_invoice(redis, shop, period)).draft
    issue = Issue.of_invoice(draft, now, seller, await get_buyer(redis, shop))
    revision = draft.revision
    await _issue(
        redis,
        (shop, period),
        [keys.invoice(shop, str(period), revision), keys.sequence(shop, "invoice")],
        [f"INV-{shop}-", issue.to_json()],
    )
    return await get_invoice(redis, shop, period)


async def void(
    redis: Any, shop: str, period: Period, reason: str, now: datetime.datetime
) -> Invoice:
    """Cancel the period's issued invoice by a credit note of its full amount (done once)."""
    invoice = await get_invoice(redis, shop, period)
    if invoice.issue is None:
        raise InvoiceNotIssued(shop, str(period))
    issued = invoice.issue
    note = Issue("", now, issued.seller, issued.buyer, reason, tax=issued.tax)
    revision = invoice.draft.revision
    await _issue(
        redis,
        (shop, period),
        [
            keys.credit_note(shop, str(period), revision),
            keys.sequence(shop, "credit-note"),
            keys.invoice(shop, str(period), revision),
        ],
        [f"CN-{shop}-", note.to_json()],
    )
    return await get_invoice(redis, shop, period)


async def _issue(
    redis: Any, of: tuple[str, Period], script_keys: list[str], args: list[str | bytes]
) -> None:
    number, synced = await eval_durably(
        redis, _ISSUE_SCRIPT, script_keys, args, DURABILITY_TIMEOUT_MS
    )
    if isinstance(number, Exception):
        raise NotDurable(f"the store refused the document: {number}")
    if not number:
        raise UnknownInvoice(of[0], str(of[1]))
    problem = unconfirmed(synced)
    if problem is not None:
        raise NotDurable(
            f"document {number} is numbered and stored, but the store did not confirm it on "
            f"disk ({problem.replace('_', ' ')}: needs appendonly yes and Redis or Valkey 7.2+); "
            "run the same command again once it can"
        )
