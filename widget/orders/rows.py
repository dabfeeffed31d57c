"""Orders and refunds of record as values: validated from JSON, money as `Decimal`.

Amounts arrive as decimal strings ("19.99") or JSON numbers; a number is read through its
shortest text form, which is exact for the at most 15 significant digits allowed here
(9 before the point, 6 after). Stored amounts are canonical text with at least 2 decimals
("19.9" -> "19.90"), so the same order sent as strings or as numbers is the same body.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from tracker.schema import InvalidEvent, parse_timestamp, read_identifier
from widget.platform.params import json_whole

MAX_ID = 128
MAX_LINES = 500
MAX_REASON = 500
MAX_DECIMALS = 6
MONEY_LIMIT = Decimal(10) ** 9
# Clocks of shop servers differ a little; an order hours ahead has a wrong time zone.
FUTURE_TOLERANCE = timedelta(minutes=10)
_DECIMAL_TEXT = re.compile(r"[0-9]+(\.[0-9]+)?")
# The decimal strings `money` accepts: below 10^9, at most 6 decimals (trailing zeros aside).
MONEY_PATTERN = r"0*[0-9]{1,9}(\.[0-9]{1,6}0*)?"
_CURRENCY = re.compile(r"[A-Z]{3}")
_CENTS = Decimal("0.01")
_ORDER_FIELDS = frozenset(("order_id", "anonymous_id", "placed_at", "currency", "lines", "total"))
_LINE_FIELDS = frozenset(("product_id", "quantity", "unit_price"))
_REFUND_FIELDS = frozenset(("refund_id", "amount", "refunded_at", "reason"))


class InvalidOrder(ValueError):
    """An order or refund breaks the schema: `field` is its path, `reason` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def money_text(amount: Decimal) -> str:
    """Canonical text of an amount: `Decimal("19.9")` -> `"19.90"`, `Decimal("0.0049")` kept."""
    normal = amount.normalize()
    if int(normal.as_tuple().exponent) > -2:
        normal = normal.quantize(_CENTS)
    return format(normal, "f")


def micros(amount: Decimal) -> int:
    """The amount in millionths: exact, since amounts have at most 6 decimals."""
    return int(amount.scaleb(MAX_DECIMALS))


@dataclass(frozen=True)
class OrderLine:
    product_id: str
    quantity: int
    unit_price: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "product_id": self.product_id,
            "quantity": self.quantity,
            "unit_price": money_text(self.unit_price),
        }


@dataclass(frozen=True)
class Order:
    """An order of record; `total` is net of tax and shipping, in `currency`."""

    order_id: str
    anonymous_id: str | None
    placed_at: str
    currency: str
    lines: tuple[OrderLine, ...]
    total: Decimal

    @property
    def placed_at_ms(self) -> int:
        return int(datetime.fromisoformat(self.placed_at).timestamp() * 1000)

    def product_ids(self) -> list[str]:
        return list(dict.fromkeys(line.product_id for line in self.lines))

    def naming_products(self, product_of: Mapping[str, str]) -> Order:
        """The order with each line's id replaced by its product's (a variant's id, as
        `widget.catalog.product_ids_of` maps it), for counting by product."""
        lines = tuple(
            dataclasses.replace(line, product_id=product_of.get(line.product_id, line.product_id))
            for line in self.lines
        )
        return dataclasses.replace(self, lines=lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "anonymous_id": self.anonymous_id,
            "placed_at": self.placed_at,
            "currency": self.currency,
            "lines": [line.as_dict() for line in self.lines],
            "total": money_text(self.total),
        }

    def to_json(self) -> bytes:
        return orjson.dumps(self.as_dict(), option=orjson.OPT_SORT_KEYS)

    @classmethod
    def from_json(cls, body: str | bytes) -> Order:
        """An order as stored (already valid)."""
        data = orjson.loads(body)
        lines = tuple(
            OrderLine(line["product_id"], line["quantity"], Decimal(line["unit_price"]))
            for line in data["lines"]
        )
        return cls(
            data["order_id"],
            data["anonymous_id"],
            data["placed_at"],
            data["currency"],
            lines,
            Decimal(data["total"]),
        )


@dataclass(frozen=True)
class Refund:
    """A refund or cancellation of (part of) an order, in the order's currency."""

    order_id: str
    refund_id: str
    amount: Decimal
    refunded_at: str
    reason: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "refund_id": self.refund_id,
            "amount": money_text(self.amount),
            "refunded_at": self.refunded_at,
            "reason": self.reason,
        }

    def to_json(self) -> bytes:
        return orjson.dumps(self.as_dict(), option=orjson.OPT_SORT_KEYS)

    @classmethod
    def from_json(cls, body: str | bytes) -> Refund:
        data = orjson.loads(body)
        return cls(
            data["order_id"],
            data["refund_id"],
            Decimal(data["amount"]),
            data["refunded_at"],
            data["reason"],
        )


def parse_order(data: dict[str, Any], now: datetime) -> Order:
    """The order in a request body, or `InvalidOrder` naming the first field that is wrong."""
    _no_unknown_fields(data, _ORDER_FIELDS, "")
    order_id = identifier(data.get("order_id"), "order_id")
    anonymous_id = data.get("anonymous_id")
    if anonymous_id is not None:
        anonymous_id = identifier(anonymous_id, "anonymous_id")
    placed_at = _moment(data.get("placed_at"), "placed_at", now)
    currency = _currency(data.get("currency"))
    lines = data.get("lines")
    if not isinstance(lines, list) or not 0 < len(lines) <= MAX_LINES:
        raise InvalidOrder("lines", f"must be a list of 1 to {MAX_LINES} order lines")
    checked = tuple(_line(line, f"lines[{i}]") for i, line in enumerate(lines))
    return Order(
        order_id, anonymous_id, placed_at, currency, checked, money(data.get("total"), "total")
    )


def parse_refund(data: dict[str, Any], order_id: str, now: datetime) -> Refund:
    _no_unknown_fields(data, _REFUND_FIELDS, "")
    reason = data.get("reason")
    if reason is not None and not (isinstance(reason, str) and len(reason) <= MAX_REASON):
        raise InvalidOrder("reason", f"must be a string of at most {MAX_REASON} characters")
    amount = money(data.get("amount"), "amount")
    if amount == 0:
        raise InvalidOrder("amount", "must be above 0")
    return Refund(
        order_id=order_id,
        refund_id=identifier(data.get("refund_id"), "refund_id"),
        amount=amount,
        refunded_at=_moment(data.get("refunded_at"), "refunded_at", now),
        reason=reason,
    )


# Ids sent as numbers: whole numbers that every JSON parser reads exactly (JavaScript's
# safe integers); beyond them 2**53 + 1 may arrive as 2**53.
MAX_NUMERIC_ID = 2**53 - 1
# Far above any basket, and below what a JSON number or a 64-bit integer holds exactly.
MAX_QUANTITY = 10**9
MIN_NUMERIC_ID = -MAX_NUMERIC_ID


def identifier(value: Any, field: str) -> str:
    """A string id of 1 to 128 characters; a 64-bit whole number is read as its digits."""
    value = json_whole(value)
    if isinstance(value, int) and not MIN_NUMERIC_ID <= value <= MAX_NUMERIC_ID:
        raise InvalidOrder(field, f"must be a string, or a whole number within ±{MAX_NUMERIC_ID}")
    found = read_identifier(value, MAX_ID)
    if found is None:
        raise InvalidOrder(field, f"must be a string of 1 to {MAX_ID} characters")
    return found


def money(value: Any, field: str) -> Decimal:
    """An amount >= 0 with at most 6 decimals, below 10^9, from a decimal string or number."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidOrder(field, 'must be a decimal string such as "19.99" or a number')
    if isinstance(value, str) and not _DECIMAL_TEXT.fullmatch(value):
        raise InvalidOrder(field, 'must be a plain decimal >= 0 such as "19.99"')
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise InvalidOrder(field, "must be a finite number") from None
    if not amount.is_finite():
        raise InvalidOrder(field, "must be a finite number")
    if amount < 0:
        raise InvalidOrder(field, "must be 0 or more")
    if amount.is_zero():
        amount = Decimal(0)  # "-0" is 0
    if amount >= MONEY_LIMIT:
        raise InvalidOrder(field, "must be below 1000000000")
    if -int(amount.normalize().as_tuple().exponent) > MAX_DECIMALS:
        raise InvalidOrder(field, f"must have at most {MAX_DECIMALS} decimal places")
    return amount


def _line(raw: Any, field: str) -> OrderLine:
    if not isinstance(raw, dict):
        raise InvalidOrder(field, "must be an object with product_id, quantity and unit_price")
    _no_unknown_fields(raw, _LINE_FIELDS, f"{field}.")
    quantity = json_whole(raw.get("quantity"))
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or not 1 <= quantity <= MAX_QUANTITY
    ):
        raise InvalidOrder(f"{field}.quantity", f"must be a whole number from 1 to {MAX_QUANTITY}")
    return OrderLine(
        product_id=identifier(raw.get("product_id"), f"{field}.product_id"),
        quantity=quantity,
        unit_price=money(raw.get("unit_price"), f"{field}.unit_price"),
    )


def _moment(value: Any, field: str, now: datetime) -> str:
    try:
        text = parse_timestamp(value, field)
    except InvalidEvent as error:
        raise InvalidOrder(error.field, error.reason) from None
    if datetime.fromisoformat(text) > now + FUTURE_TOLERANCE:
        raise InvalidOrder(field, "is in the future: check its time zone")
    return text


def _currency(value: Any) -> str:
    if not (isinstance(value, str) and _CURRENCY.fullmatch(value)):
        raise InvalidOrder("currency", "must be an ISO 4217 code such as 'EUR'")
    return value


def _no_unknown_fields(data: dict[str, Any], known: frozenset[str], prefix: str) -> None:
    # A misspelt field ("totals") would otherwise pass silently as a missing optional one.
    for name in data:
        if name not in known:
            raise InvalidOrder(f"{prefix}{name}", "is not a known field")
