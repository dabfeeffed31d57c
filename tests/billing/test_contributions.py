from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import orjson

from billing.contributions import (
    BillingTerms,
    OrderOfRecord,
    RefundOfRecord,
    event_contributions,
    exposure_time,
    order_contributions,
    order_skip_reason,
    refund_contribution,
    terms_at,
    to_minor_units,
)
from tests.billing.samples import contract
from tracker.schema import EXPOSURE_RECORDED, Event

AT = datetime.datetime(2026, 11, 23, 10, 35, 0, 123000, tzinfo=datetime.UTC)
EUR = BillingTerms("UTC", "EUR")


def event(kind: str = "Product Viewed", bot: bool = False, **properties: Any) -> Event:
    received = AT.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return Event("e1", kind, "s", "v", "s1", received, received, properties, {}, bot)


def order(currency: str = "EUR", visitor: str | None = "v", order_id: str = "o1") -> OrderOfRecord:
    return OrderOfRecord(order_id, visitor, AT, currency, Decimal("120.005"))


def exposed(at: datetime.datetime) -> datetime.datetime | None:
    return exposure_time(orjson.dumps({"arm": "treatment", "at": at.isoformat()}))


def test_only_the_servers_exposure_event_makes_a_visitor_seen() -> None:
    [visit] = event_contributions(event(), EUR)
    assert not visit.exposed and visit.page_views == 1 and visit.entry_id == "event:e1"
    [seen] = event_contributions(event(EXPOSURE_RECORDED), EUR)
    assert seen.exposed and not seen.counts and seen.day == AT.date()


def test_bots_count_for_nothing_and_client_orders_are_no_revenue() -> None:
    assert event_contributions(event(bot=True), EUR) == ()
    found = event_contributions(event("Order Completed", order_id=7, products=[]), EUR)
    assert [(c.kind, c.order_id, c.amount_minor) for c in found] == [("client_order", "7", 0)]


def test_days_follow_the_contract_in_effect() -> None:
    kiritimati = {
        "effective_from": datetime.date(2026, 11, 1),
        "billing_time_zone": "Pacific/Kiritimati",
    }
    versions = [contract(), contract(version=2, **kiritimati)]
    terms = terms_at(versions, AT)
    assert terms == BillingTerms("Pacific/Kiritimati", "EUR")
    assert event_contributions(event(), terms)[0].day == datetime.date(2026, 11, 24)
    assert terms_at(versions[:1], AT - datetime.timedelta(days=60)) == BillingTerms()


def test_orders_in_minor_units_and_refunds_on_the_order_day() -> None:
    seen, revenue = order_contributions(order(), exposed(AT), EUR)
    assert seen.exposed and (revenue.kind, revenue.amount_minor) == ("order", 12001)
    refund = refund_contribution(RefundOfRecord("o1", "R-1", Decimal("0.125")), order(), EUR)
    assert refund is not None and (refund.amount_minor, refund.day) == (13, AT.date())
    other = refund_contribution(RefundOfRecord("o2", "R-1", Decimal(1)), order(order_id="o2"), EUR)
    assert other is not None and other.entry_id != refund.entry_id
    assert to_minor_units(Decimal("1500"), "JPY") == 1500


def test_orders_that_cannot_join_an_arm_say_why() -> None:
    assert order_contributions(order("USD"), exposed(AT), EUR) == ()
    assert order_skip_reason(order("USD"), EUR) == "its currency USD is not the contract's EUR"
    assert order_contributions(order(visitor=None), None, EUR) == ()
