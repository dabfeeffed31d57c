"""The visitor ledger: per (period, visitor) running totals and exact daily per-arm sums.

The unit is the visitor, intent to treat: a visitor seen (exposed) in a billing period
contributes one row, their totals within the period, to the day they were first seen in it,
in the arm of their first exposure ever. `ledger.lua` keeps the rows and the day sums in
step atomically, so a period is the exact sum of its days whatever the order of entries.
Entries with an `entry_id` count once however often they are replayed (a stream consumer
that restarts) while the stream entry they came from (`received_ms`, the time of its id) is
in its stream: the ids are kept by minute of their stream entry (`tracker.applied`).

Once the period is locked for invoicing its rows and sums stay as the invoice read them; an
entry still counts, `late`: it moves the visitor's late row and the period's late sums
(locked + late = the corrected period, for the next invoice's adjustment) and is logged
as a `LateEntry`, its evidence.

The covariate of regression adjustment, a visitor's pre-exposure revenue x, is the net
revenue of their orders (less refunds) applied while they had no exposure of record. The
exposure freezes it: later orders and refunds are outcomes, and a pre-exposure order that
arrives after the exposure is not counted in x. A row takes x when first seen, so every
row of a visitor carries the same x, and x sits in the day sums beside revenue.

The stream consumer calls `record_visit`, `record_order` and `record_refund`; days are
calendar days in the contract's time zone (`billing.periods.billing_day`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, Literal, cast

from billing import keys
from billing.errors import InvalidLedgerEntry, NotExposed
from billing.periods import Period
from billing.sufficient import Arm
from tracker.applied import bucket_of

LedgerOutcome = Literal["applied", "duplicate", "late"]
EntryKind = Literal["visit", "order", "refund"]

_SCRIPT = files("billing").joinpath("ledger.lua").read_text()
# The stream each kind of entry comes from: visits from events, orders and refunds from the
# order log (a sighting by an order needs no id).
APPLIED_SOURCES: dict[EntryKind, str] = {"visit": "events", "order": "orders", "refund": "orders"}
_MAX_AMOUNT = 2**40


async def record_visit(
    redis: Any,
    shop: str,
    anonymous_id: str,
    day: datetime.date,
    *,
    exposed: bool = False,
    page_views: int = 0,
    recommendation_clicks: int = 0,
    entry_id: str | None = None,
    received_ms: int | None = None,
) -> LedgerOutcome:
    """Count page views and recommendation clicks; `exposed` makes the visitor seen that day.

    Being seen is idempotent; counts need an `entry_id` (e.g. the event id) to be so.
    `received_ms`: the time of the event stream entry it came from (None: now).
    """
    if (page_views or recommendation_clicks) and entry_id is None:
        raise InvalidLedgerEntry("counts need an entry_id so that a replay counts once")
    return await _apply(
        redis,
        shop,
        anonymous_id,
        day,
        entry_id,
        "visit",
        exposed,
        0,
        0,
        page_views,
        recommendation_clicks,
        received_ms=received_ms,
    )


async def record_order(
    redis: Any,
    shop: str,
    anonymous_id: str,
    day: datetime.date,
    net_revenue_minor: int,
    *,
    entry_id: str,
    received_ms: int | None = None,
) -> LedgerOutcome:
    """One order of record on `day`, net revenue in minor units; `entry_id` is the order id,
    `received_ms` the time of its order log entry (None: now)."""
    if net_revenue_minor < 0:
        raise InvalidLedgerEntry(f"net revenue must not be negative, got {net_revenue_minor}")
    return await _apply(
        redis,
        shop,
        anonymous_id,
        day,
        entry_id,
        "order",
        False,
        1,
        net_revenue_minor,
        received_ms=received_ms,
    )


async def record_refund(
    redis: Any,
    shop: str,
    anonymous_id: str,
    order_day: datetime.date,
    amount_minor: int,
    *,
    entry_id: str,
    received_ms: int | None = None,
) -> LedgerOutcome:
    """A refund deducted from the period of its order (late after that period's lock);
    `received_ms` is the time of its order log entry (None: now)."""
    if amount_minor <= 0:
        raise InvalidLedgerEntry(f"a refund must be a positive amount, got {amount_minor}")
    return await _apply(
        redis,
        shop,
        anonymous_id,
        order_day,
        entry_id,
        "refund",
        False,
        0,
        -amount_minor,
        received_ms=received_ms,
    )


async def _apply(
    redis: Any,
    shop: str,
    anonymous_id: str,
    day: datetime.date,
    entry_id: str | None,
    kind: EntryKind,
    exposed: bool,
    orders: int,
    revenue: int,
    page_views: int = 0,
    clicks: int = 0,
    *,
    received_ms: int | None,
) -> LedgerOutcome:
    for name, value in (("page_views", page_views), ("recommendation_clicks", clicks)):
        if not 0 <= value < _MAX_AMOUNT:
            raise InvalidLedgerEntry(f"{name} must be within 0 and 2^40, got {value}")
    if not -_MAX_AMOUNT < revenue < _MAX_AMOUNT:
        raise InvalidLedgerEntry(f"amount must be below 2^40 minor units, got {abs(revenue)}")
    period = str(Period.of(day))
    source = APPLIED_SOURCES[kind]
    minute = bucket_of(received_ms)
    script_keys = [
        keys.exposures(shop),
        keys.visitors(shop, period),
        keys.days(shop, period),
        keys.applied(shop, source, minute),
        keys.lock(shop, period),
        keys.revenue(shop, period),
        keys.late_visitors(shop, period),
        keys.late(shop, period),
        keys.late_entries(shop, period),
        keys.pre_exposure(shop),
        keys.pre_exposure_revenue(shop, period),
        keys.applied_minutes(shop, source),
    ]
    arguments = [anonymous_id, entry_id or "", day.isoformat(), int(exposed), orders, revenue]
    outcome = await redis.register_script(_SCRIPT)(
        keys=script_keys, args=[*arguments, page_views, clicks, kind, minute]
    )
    if outcome == "unexposed":
        raise NotExposed(shop, anonymous_id)
    if outcome == "out_of_range":
        raise InvalidLedgerEntry(f"visitor {anonymous_id!r}'s totals would leave their range")
    result: LedgerOutcome = outcome
    return result


@dataclass(frozen=True)
class VisitorRow:
    """A visitor's running totals in a period, as `ledger.lua` keeps them; `pre_exposure_revenue`
    is their covariate x, fixed when the row is first seen (0 before)."""

    seen_day: datetime.date | None
    orders: int
    revenue: int
    page_views: int
    recommendation_clicks: int
    pre_exposure_revenue: int = 0

    @classmethod
    def parse(cls, text: str) -> VisitorRow:
        # rows written before the covariate have five fields
        day, *counts = text.split("|")
        return cls(
            datetime.date.fromisoformat(day) if day else None, *(int(part) for part in counts)
        )

    @property
    def counted_revenue(self) -> int:
        """Net revenue as the sums count it: a refund seen before its order counts as 0."""
        return max(self.revenue, 0)


@dataclass(frozen=True)
class LateEntry:
    """An entry applied after its period's lock, as the evidence of an adjustment.

    `entry_id` is empty for a sighting (being seen needs no id); `arm` is None while the
    visitor is not seen in the period (the entry moved no sum); `revenue_minor` is the
    change of net revenue (a refund's is negative).
    """

    entry_id: str
    kind: EntryKind
    anonymous_id: str
    day: datetime.date
    exposed: bool
    arm: Arm | None
    orders: int
    revenue_minor: int
    page_views: int
    recommendation_clicks: int
    applied_at: datetime.datetime


async def late_entries(redis: Any, shop: str, period: Period) -> list[LateEntry]:
    """The period's late entries in the order they were applied."""
    found = await redis.xrange(keys.late_entries(shop, str(period)))
    return [_late_entry(stream_id, fields) for stream_id, fields in found]


def _late_entry(stream_id: str, fields: dict[str, str]) -> LateEntry:
    milliseconds = int(stream_id.split("-")[0])
    return LateEntry(
        entry_id=fields["entry"],
        kind=cast(EntryKind, fields["kind"]),
        anonymous_id=fields["visitor"],
        day=datetime.date.fromisoformat(fields["day"]),
        exposed=fields["exposed"] == "1",
        arm=cast(Arm, fields["arm"]) if fields["arm"] else None,
        orders=int(fields["orders"]),
        revenue_minor=int(fields["revenue"]),
        page_views=int(fields["page_views"]),
        recommendation_clicks=int(fields["clicks"]),
        applied_at=datetime.datetime.fromtimestamp(milliseconds / 1000, datetime.UTC),
    )
