"""The event schema: Segment's e-commerce v2 events plus recommendation events.

`validate_event` checks one event as the browser sent it and returns its normalised form;
`Event` is an event as stored in a shop's stream, for the readers of engine and billing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import orjson

EventType = Literal[
    "Page Viewed",
    "Product Viewed",
    "Product List Viewed",
    "Product Clicked",
    "Product Added",
    "Product Removed",
    "Cart Viewed",
    "Checkout Started",
    "Order Completed",
    "Recommendation Shown",
    "Recommendation Clicked",
]
EVENT_TYPES: frozenset[str] = frozenset(EventType.__args__)  # type: ignore[attr-defined]
# Appended by the server when it records a visitor's exposure (once a visitor a day): the
# visitor counts in billing from it. A batch from a client that holds one is refused.
EXPOSURE_RECORDED = "Exposure Recorded"
SERVER_EVENT_TYPES = frozenset((EXPOSURE_RECORDED,))

_REQUIRED_PROPERTIES: dict[str, tuple[str, ...]] = {
    "Product Viewed": ("product_id",),
    "Product Clicked": ("product_id",),
    "Product Added": ("product_id",),
    "Product Removed": ("product_id",),
    "Order Completed": ("order_id", "products"),
    "Recommendation Shown": ("rec_id", "placement"),
    "Recommendation Clicked": ("rec_id", "placement", "product_id"),
}
_AMOUNTS = ("price", "total", "revenue", "subtotal", "value", "discount", "tax", "shipping")
_CURRENCY = re.compile(r"[A-Z]{3}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# Event times a client may send: none before this, none further ahead of the server's
# clock than this (a visitor's clock may be a few minutes off).
EARLIEST_EVENT = datetime(2000, 1, 1, tzinfo=UTC)
MAX_CLOCK_AHEAD = timedelta(minutes=10)
_CANONICAL_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
_MAX_ID = 128
_MAX_PRODUCTS = 200
_ARMS = ("treatment", "holdout")


class InvalidEvent(ValueError):
    """One event breaks the schema: `field` is its dotted path, `reason` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def parse_timestamp(value: Any, field: str) -> str:
    """An ISO 8601 date-time with a time zone, returned as JavaScript's `toISOString()` does.

    `2026-11-23T11:00:00+01:00` -> `2026-11-23T10:00:00.000Z`.
    """
    return _canonical(value, _moment(value, field))


def _event_time(value: Any, received: datetime) -> str:
    """`parse_timestamp`, bounded: from 2000 to `MAX_CLOCK_AHEAD` after the server's clock."""
    moment = _moment(value, "timestamp")
    if moment < EARLIEST_EVENT:
        raise InvalidEvent("timestamp", "must not be before 2000-01-01T00:00:00Z")
    if moment > received + MAX_CLOCK_AHEAD:
        minutes = MAX_CLOCK_AHEAD.seconds // 60
        raise InvalidEvent("timestamp", f"must not be more than {minutes} minutes in the future")
    return _canonical(value, moment)


def _canonical(text: str, moment: datetime) -> str:
    return text if _CANONICAL_TIME.fullmatch(text) else format_timestamp(moment)


def _moment(value: Any, field: str) -> datetime:
    """`value` as an aware datetime, or `InvalidEvent` for `field`."""
    if not isinstance(value, str):
        raise InvalidEvent(field, "must be an ISO 8601 date-time string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidEvent(field, "must be an ISO 8601 date-time string") from None
    if moment.tzinfo is None:
        raise InvalidEvent(field, "must carry a time zone, e.g. 'Z' or '+01:00'")
    return moment


def format_timestamp(moment: datetime) -> str:
    """The canonical form of a time in events: UTC, milliseconds, `Z`."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def read_identifier(value: Any, max_length: int = _MAX_ID) -> str | None:
    """An id as a string of 1 to `max_length` characters, whole numbers read as their
    digits; None when `value` is no such id."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return value if isinstance(value, str) and 0 < len(value) <= max_length else None


def _identifier(value: Any, field: str) -> str:
    found = read_identifier(value)
    if found is None:
        raise InvalidEvent(field, f"must be a string of 1 to {_MAX_ID} characters")
    return found


def _event_id(value: Any) -> str:
    if isinstance(value, str) and _UUID.fullmatch(value):
        return value.lower()
    raise InvalidEvent("event_id", "must be a UUID such as crypto.randomUUID() makes")


def _amount(value: Any, field: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidEvent(field, "must be a number")
    if not math.isfinite(value) or value < 0:
        raise InvalidEvent(field, "must be a finite number >= 0")
    return value


def _check_product(product: Any, field: str) -> dict[str, Any]:
    if not isinstance(product, dict):
        raise InvalidEvent(field, "must be an object")
    checked = dict(product)
    for name in ("product_id", "order_id", "rec_id"):
        if name in checked:
            checked[name] = _identifier(checked[name], f"{field}.{name}")
    for name in _AMOUNTS:
        if name in checked:
            checked[name] = _amount(checked[name], f"{field}.{name}")
    if "quantity" in checked:
        quantity = checked["quantity"]
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise InvalidEvent(f"{field}.quantity", "must be a whole number >= 1")
    if "currency" in checked and not (
        isinstance(checked["currency"], str) and _CURRENCY.fullmatch(checked["currency"])
    ):
        raise InvalidEvent(f"{field}.currency", "must be an ISO 4217 code such as 'EUR'")
    return checked


def _check_properties(event_type: str, properties: Any) -> dict[str, Any]:
    if properties is None:
        properties = {}
    checked = _check_product(properties, "properties")
    for name in _REQUIRED_PROPERTIES.get(event_type, ()):
        if name not in checked:
            raise InvalidEvent(f"properties.{name}", f"is required for {event_type}")
    if "products" in checked:
        products = checked["products"]
        if not isinstance(products, list) or not 0 < len(products) <= _MAX_PRODUCTS:
            raise InvalidEvent("properties.products", f"must list 1 to {_MAX_PRODUCTS} products")
        checked["products"] = [
            _check_product(product, f"properties.products[{i}]")
            for i, product in enumerate(products)
        ]
        for i, product in enumerate(checked["products"]):
            if "product_id" not in product:
                raise InvalidEvent(f"properties.products[{i}].product_id", "is required")
    if "placement" in checked:
        checked["placement"] = _identifier(checked["placement"], "properties.placement")
    if "position" in checked:
        position = checked["position"]
        if isinstance(position, bool) or not isinstance(position, int) or position < 0:
            raise InvalidEvent("properties.position", "must be a whole number >= 0")
    if "arm" in checked and checked["arm"] not in _ARMS:
        raise InvalidEvent("properties.arm", "must be 'treatment' or 'holdout'")
    return checked


def _check_context(context: Any) -> dict[str, Any]:
    if context is None:
        return {}
    if not isinstance(context, dict):
        raise InvalidEvent("context", "must be an object")
    page = context.get("page")
    if page is not None:
        if not isinstance(page, dict):
            raise InvalidEvent("context.page", "must be an object")
        for name in ("url", "referrer"):
            if page.get(name) is not None and not isinstance(page[name], str):
                raise InvalidEvent(f"context.page.{name}", "must be a string")
    return dict(context)


def validate_event(raw: Any, received: datetime | None = None) -> dict[str, Any]:
    """The normalised event, or `InvalidEvent` naming the first field that is wrong;
    `received` (now by default) bounds its timestamp."""
    if not isinstance(raw, dict):
        raise InvalidEvent("", "an event must be an object")
    event_type = raw.get("type")
    if event_type not in EVENT_TYPES:
        raise InvalidEvent("type", "must be one of: " + ", ".join(sorted(EVENT_TYPES)))
    return {
        "event_id": _event_id(raw.get("event_id")),
        "type": event_type,
        "anonymous_id": _identifier(raw.get("anonymous_id"), "anonymous_id"),
        "session_id": _identifier(raw.get("session_id"), "session_id"),
        "timestamp": _event_time(raw.get("timestamp"), received or datetime.now(UTC)),
        "properties": _check_properties(event_type, raw.get("properties")),
        "context": _check_context(raw.get("context")),
    }


@dataclass(frozen=True)
class Event:
    """An event as stored in a shop's stream (what the server added included)."""

    event_id: str
    type: str
    shop: str
    anonymous_id: str
    session_id: str
    timestamp: str
    received_at: str
    properties: dict[str, Any]
    context: dict[str, Any]
    bot: bool

    @classmethod
    def from_payload(cls, payload: str | bytes) -> Event:
        data = orjson.loads(payload)
        return cls(
            event_id=data["event_id"],
            type=data["type"],
            shop=data["shop"],
            anonymous_id=data["anonymous_id"],
            session_id=data["session_id"],
            timestamp=data["timestamp"],
            received_at=data["received_at"],
            properties=data["properties"],
            context=data["context"],
            bot=data["bot"],
        )
