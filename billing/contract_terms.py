"""The cumulative basis's terms proposed from a month before the contract: its traffic and
its buyers' revenue cap.

Both shape the bound, so both must come from data seen before the version starts (never
from the outcome it prices): the shop's seen visitors in an earlier month (tunes the
confidence sequence) and the 99th percentile of that month's buyers' revenue (the cap).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from billing.currency import from_minor_units
from billing.errors import InvalidContract
from billing.periods import Period
from billing.recompute import seen_visitor_rows
from billing.visitors import buyer_revenue_cap


@dataclass(frozen=True)
class ProposedTerms:
    """What `period` shows: its seen visitors and its buyers' revenue cap, in `currency`."""

    period: Period
    monthly_visitors: int
    revenue_per_visitor_cap: Decimal


async def propose_terms(redis: Any, shop: str, period: Period, currency: str) -> ProposedTerms:
    """Terms from the ledger of `period` (before the contract); InvalidContract when it saw
    no buyer, so that the terms must be given by hand."""
    rows = await seen_visitor_rows(redis, shop, period)
    cap_minor = buyer_revenue_cap([row.counted_revenue for _, row in rows])
    if cap_minor is None:
        raise InvalidContract(
            "revenue_per_visitor_cap",
            f"{period} saw no buyer of shop {shop!r} to fix it from: give it, and "
            "monthly_visitors, in the contract",
        )
    return ProposedTerms(period, len(rows), from_minor_units(cap_minor, currency))
