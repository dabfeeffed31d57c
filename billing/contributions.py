"""What one event, order or refund adds to the ledger: the stream consumer and the recompute
both turn raw records into `Contribution`s here, so they cannot count differently.

Rules: bots count for nothing. A visitor is seen (counts in the period) on a day when the
server recorded their exposure that day (the server-only `Exposure Recorded` event the
recommendations path appends, once a visitor a day), or when an order of record placed at
or after their exposure names them; what a client sends (page views, clicks) adds counts
but never makes a visitor seen, so a client cannot choose which arm's visitors count
(intent to treat at assignment: both arms are counted alike). An event's
day and moment are when the server received it (`received_at`: the clock of exposures,
not the browser's); an order's are its `placed_at`; a refund counts against its order's
day. Client-side `Order Completed` events are no revenue: they only feed the cross-check
against the orders of record. Days are in the time zone of the contract in effect.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import orjson

from billing.contracts import Contract
from billing.currency import minor_unit_exponent, round_half_up
from billing.errors import UnsupportedCurrency
from billing.periods import billing_day
from tracker.schema import EXPOSURE_RECORDED, Event

ContributionKind = Literal["visit", "order", "refund", "client_order"]

PAGE_VIEW_TYPES = frozenset(("Page Viewed", "Product Viewed"))
CLICK_TYPES = frozenset(("Recommendation Clicked",))


@dataclass(frozen=True)
class Contribution:
    """One ledger entry for one visitor and day; `amount_minor` is revenue or a refund.

    `entry_id` is unique across kinds (`event:`, `order:`, `refund:` prefixes: refund ids
    are unique only within their order), so that a replay counts once.
    """

    kind: ContributionKind
    anonymous_id: str
    day: datetime.date
    entry_id: str
    exposed: bool = False
    page_views: int = 0
    recommendation_clicks: int = 0
    amount_minor: int = 0
    order_id: str = ""

    @property
    def counts(self) -> bool:
        """Whether it adds to totals (and so needs its `entry_id`); being seen is idempotent."""
        return self.kind != "visit" or bool(self.page_views or self.recommendation_clicks)


@dataclass(frozen=True)
class BillingTerms:
    """What fixes days and money: the zone of billing days and the currency counted
    (None before any contract: every order counts in its own currency)."""

    time_zone: str = "UTC"
    currency: str | None = None


@dataclass(frozen=True)
class OrderOfRecord:
    """The fields of an order of record that billing reads from the order log's JSON."""

    order_id: str
    anonymous_id: str | None
    placed_at: datetime.datetime
    currency: str
    total: Decimal

    @classmethod
    def from_json(cls, body: str | bytes) -> OrderOfRecord:
        data = orjson.loads(body)
        return cls(
            data["order_id"],
            data.get("anonymous_id"),
            datetime.datetime.fromisoformat(data["placed_at"]),
            data["currency"],
            Decimal(data["total"]),
        )


@dataclass(frozen=True)
class RefundOfRecord:
    order_id: str
    refund_id: str
    amount: Decimal

    @classmethod
    def from_json(cls, body: str | bytes) -> RefundOfRecord:
        data = orjson.loads(body)
        return cls(data["order_id"], data["refund_id"], Decimal(data["amount"]))


def terms_at(contracts: Sequence[Contract], at: datetime.datetime) -> BillingTerms:
    """The terms of the latest version in effect at `at`: from midnight of its first day
    in its own zone, as `contract_in_force` lets it govern whole months."""
    found = BillingTerms()
    for contract in sorted(contracts, key=lambda version: version.version):
        if contract.starts_at <= at:
            found = BillingTerms(contract.billing_time_zone, contract.currency)
    return found


def exposure_time(record: str | bytes | None) -> datetime.datetime | None:
    """When the exposure of record was made, to the millisecond (events carry milliseconds,
    so an event received in the exposure's millisecond counts as after it)."""
    if record is None:
        return None
    at = datetime.datetime.fromisoformat(orjson.loads(record)["at"])
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def _seen(exposed_at: datetime.datetime | None, at: datetime.datetime) -> bool:
    return exposed_at is not None and exposed_at <= at


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Whole minor units, rounded half-up once (orders carry up to 6 decimals)."""
    return int(round_half_up(amount, currency).scaleb(minor_unit_exponent(currency)))


def event_contributions(event: Event, terms: BillingTerms) -> tuple[Contribution, ...]:
    """A visit (seen, for the server's exposure event, or counts) and, for `Order
    Completed`, a client-side order."""
    if event.bot:
        return ()
    at = datetime.datetime.fromisoformat(event.received_at)
    day = billing_day(at, terms.time_zone)
    found: list[Contribution] = []
    page_views = int(event.type in PAGE_VIEW_TYPES)
    clicks = int(event.type in CLICK_TYPES)
    exposed = event.type == EXPOSURE_RECORDED
    if page_views or clicks or exposed:
        found.append(
            Contribution(
                "visit",
                event.anonymous_id,
                day,
                f"event:{event.event_id}",
                exposed=exposed,
                page_views=page_views,
                recommendation_clicks=clicks,
            )
        )
    if event.type == "Order Completed":
        order_id = str(event.properties["order_id"])
        found.append(
            Contribution(
                "client_order",
                event.anonymous_id,
                day,
                f"event:{event.event_id}",
                order_id=order_id,
            )
        )
    return tuple(found)


def order_contributions(
    order: OrderOfRecord, exposed_at: datetime.datetime | None, terms: BillingTerms
) -> tuple[Contribution, ...]:
    """The order's revenue on its day; an exposed buyer is also seen that day.

    Nothing for an order without a visitor (it cannot join an arm) or in another currency
    than the contract's (no conversion of money): the caller logs why.
    """
    if order.anonymous_id is None or order_skip_reason(order, terms):
        return ()
    day = billing_day(order.placed_at, terms.time_zone)
    entry = f"order:{order.order_id}"
    revenue = Contribution(
        "order",
        order.anonymous_id,
        day,
        entry,
        amount_minor=to_minor_units(order.total, order.currency),
        order_id=order.order_id,
    )
    if not _seen(exposed_at, order.placed_at):
        return (revenue,)
    return (Contribution("visit", order.anonymous_id, day, entry, exposed=True), revenue)


def refund_contribution(
    refund: RefundOfRecord, order: OrderOfRecord, terms: BillingTerms
) -> Contribution | None:
    """The refund deducted on its order's day; None where the order itself did not count
    or the refund is below one minor unit."""
    if order.anonymous_id is None or order_skip_reason(order, terms):
        return None
    amount = to_minor_units(refund.amount, order.currency)
    if amount <= 0:
        return None
    # Lengths make the id unambiguous whatever characters the two ids hold.
    entry = f"refund:{len(refund.order_id)}:{refund.order_id}:{refund.refund_id}"
    day = billing_day(order.placed_at, terms.time_zone)
    return Contribution(
        "refund", order.anonymous_id, day, entry, amount_minor=amount, order_id=order.order_id
    )


def order_skip_reason(order: OrderOfRecord, terms: BillingTerms) -> str | None:
    """Why an order (and its refunds) cannot count, or None."""
    if order.anonymous_id is None:
        return "it names no visitor, so it belongs to no arm"
    if terms.currency is not None and order.currency != terms.currency:
        return f"its currency {order.currency} is not the contract's {terms.currency}"
    try:
        minor_unit_exponent(order.currency)
    except UnsupportedCurrency:
        return f"its currency {order.currency} has no known minor unit"
    return None
