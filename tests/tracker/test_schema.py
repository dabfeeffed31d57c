from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import make_event
from tracker.schema import EVENT_TYPES, InvalidEvent, validate_event


def rejected_field(event: Any) -> str:
    with pytest.raises(InvalidEvent) as caught:
        validate_event(event)
    return caught.value.field


def test_valid_event_is_normalised() -> None:
    event = make_event(price=2.55, currency="GBP")
    event["event_id"] = event["event_id"].upper()
    event["timestamp"] = "2026-11-23T11:00:00+01:00"
    checked = validate_event(event)
    assert checked["event_id"] == event["event_id"].lower()
    assert checked["timestamp"] == "2026-11-23T10:00:00.000Z"
    assert checked["properties"] == {"product_id": "85123A", "price": 2.55, "currency": "GBP"}


def test_every_type_is_accepted_with_its_required_properties() -> None:
    required: dict[str, dict[str, Any]] = {
        "Order Completed": {"order_id": "o1", "products": [{"product_id": "p1"}]},
        "Recommendation Shown": {"rec_id": "r1", "placement": "product"},
        "Recommendation Clicked": {"rec_id": "r1", "placement": "product", "product_id": "p"},
    }
    for event_type in EVENT_TYPES:
        assert validate_event(make_event(event_type, **required.get(event_type, {})))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"event_id": "not-a-uuid"}, "event_id"),
        ({"event_id": "{6f1c1c5e-3d0a-4c8e-9d67-2d1f2b1f0a11}"}, "event_id"),
        ({"event_id": None}, "event_id"),
        ({"type": "Product Liked"}, "type"),
        ({"anonymous_id": ""}, "anonymous_id"),
        ({"session_id": "x" * 129}, "session_id"),
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"timestamp": "2026-11-23T10:00:00"}, "timestamp"),
        ({"timestamp": "0001-01-01T00:00:00Z"}, "timestamp"),
        ({"timestamp": "1999-12-31T23:59:59Z"}, "timestamp"),
        ({"timestamp": "9999-12-31T23:59:59Z"}, "timestamp"),
        ({"properties": []}, "properties"),
        ({"properties": {}}, "properties.product_id"),
        ({"properties": {"product_id": "p", "price": -1}}, "properties.price"),
        ({"properties": {"product_id": "p", "price": True}}, "properties.price"),
        ({"properties": {"product_id": "p", "quantity": 0}}, "properties.quantity"),
        ({"properties": {"product_id": "p", "currency": "euro"}}, "properties.currency"),
        ({"context": "page"}, "context"),
        ({"context": {"page": {"url": 3}}}, "context.page.url"),
    ],
)
def test_invalid_field_is_named(change: dict[str, Any], field: str) -> None:
    assert rejected_field(make_event() | change) == field


def test_order_products_are_checked_one_by_one() -> None:
    event = make_event("Order Completed", order_id="o1", products=[{"product_id": "a"}, {}])
    assert rejected_field(event) == "properties.products[1].product_id"


def test_recommendation_events_need_rec_id_and_placement() -> None:
    assert rejected_field(make_event("Recommendation Shown", rec_id="r")) == "properties.placement"
    event = make_event("Recommendation Shown", rec_id="r", placement="p", arm="control")
    assert rejected_field(event) == "properties.arm"


def test_integer_ids_become_strings() -> None:
    assert validate_event(make_event(product_id=42))["properties"]["product_id"] == "42"


def test_non_object_event() -> None:
    assert rejected_field(["Product Viewed"]) == ""


def test_a_timestamp_may_run_a_few_minutes_ahead_of_the_server_but_no_more() -> None:
    received = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    ahead = make_event() | {"timestamp": "2026-11-23T10:09:00Z"}
    assert validate_event(ahead, received)["timestamp"] == "2026-11-23T10:09:00.000Z"
    with pytest.raises(InvalidEvent, match="minutes in the future"):
        validate_event(make_event() | {"timestamp": "2026-11-23T10:11:00Z"}, received)
