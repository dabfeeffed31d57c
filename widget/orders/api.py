"""`/v1/orders`: orders of record and their refunds, sent by the shop's backend.

These orders are the revenue billing counts; Order Completed events from the browser stay
a cross-check. Every write is answered only once the store has it on disk.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from widget.orders.rows import (
    MAX_ID,
    MAX_LINES,
    MAX_NUMERIC_ID,
    MAX_QUANTITY,
    MAX_REASON,
    MIN_NUMERIC_ID,
    MONEY_PATTERN,
    InvalidOrder,
    parse_order,
    parse_refund,
)
from widget.orders.store import DURABILITY_TIMEOUT_MS, OrderError, OrderStore
from widget.platform.auth import authenticated_shop
from widget.platform.openapi import SECRET_KEY, error, json_body, path_parameter
from widget.platform.responses import ApiError, FastJSONResponse, error_code, json_object
from widget.platform.services import services

MAX_ORDER_BYTES = 256 * 1024
_T = TypeVar("_T")


def order_routes(durability_timeout_ms: int = DURABILITY_TIMEOUT_MS) -> list[Route]:
    """The routes, with how long a write may wait for the store's fsync."""

    def store(request: Request) -> OrderStore:
        return OrderStore(services(request).redis, durability_timeout_ms)

    async def post_order(request: Request) -> Response:
        shop = await authenticated_shop(request)
        data = await json_object(request, MAX_ORDER_BYTES)
        order = _valid(lambda: parse_order(data, datetime.now(UTC)))
        created = await _recorded(store(request).record_order(shop.id, order))
        return FastJSONResponse(
            {"order": order.as_dict(), "created": created}, status_code=201 if created else 200
        )

    async def post_refund(request: Request) -> Response:
        shop = await authenticated_shop(request)
        order_id = _path_id(request)
        data = await json_object(request)
        refund = _valid(lambda: parse_refund(data, order_id, datetime.now(UTC)))
        created = await _recorded(store(request).record_refund(shop.id, refund))
        return FastJSONResponse(
            {"refund": refund.as_dict(), "created": created}, status_code=201 if created else 200
        )

    async def get_order(request: Request) -> Response:
        shop = await authenticated_shop(request)
        record = await _recorded(store(request).order(shop.id, _path_id(request)))
        return FastJSONResponse(record.as_dict())

    post_order.__doc__ = _POST_ORDER
    post_refund.__doc__ = _POST_REFUND
    get_order.__doc__ = _GET_ORDER
    return [
        Route("/v1/orders", post_order, methods=["POST"]),
        Route("/v1/orders/{order_id}", get_order, methods=["GET"]),
        Route("/v1/orders/{order_id}/refunds", post_refund, methods=["POST"]),
    ]


def _valid(parse: Callable[[], _T]) -> _T:
    try:
        return parse()
    except InvalidOrder as invalid:
        message = f"{invalid.field}: {invalid.reason}"
        raise ApiError(422, "invalid_order", message, invalid.field) from None


async def _recorded(call: Awaitable[_T]) -> _T:
    try:
        return await call
    except OrderError as failed:
        raise ApiError(failed.status, error_code(failed), str(failed), failed.field) from None


def _path_id(request: Request) -> str:
    order_id: str = request.path_params["order_id"]
    if len(order_id) > MAX_ID:
        raise ApiError(404, "unknown_order", f"no order id has more than {MAX_ID} characters")
    return order_id


_POST_ORDER = """Record an order of record: idempotent by `order_id`.

201 `{"order", "created": true}` the first time; 200 with `"created": false` for the same
body again; 409 for another body under a known id; 422 naming the field at fault; 503 when
the store did not confirm the order on disk in time (it is stored: send it again)."""
_POST_REFUND = """Record a refund or cancellation of an order: idempotent by `refund_id`.

201/200 as for orders; 404 for an unknown order; 409 for another body under a known
refund id; 422 when refunds would exceed the order's total; 503 as for orders."""
_GET_ORDER = """An order with its refunds, the amount refunded and the net amount."""

routes = order_routes()


def _money(minimum: str) -> dict[str, Any]:
    """An amount as `money` reads it: a decimal string or a JSON number, below 10^9, with at
    most 6 decimals; `minimum` "exclusiveMinimum" refuses 0 too."""
    text: dict[str, Any] = {"type": "string", "pattern": f"^{MONEY_PATTERN}$"}
    if minimum == "exclusiveMinimum":
        text |= {"not": {"pattern": "^[0.]*$"}}
    number = {"type": "number", minimum: 0, "exclusiveMaximum": 10**9, "multipleOf": 0.000001}
    return {"oneOf": [text, number], "description": 'e.g. "19.99" or 19.99'}


_MOMENT = {
    "type": "string",
    "format": "date-time",
    "description": "ISO 8601 with a zone, at most 10 minutes ahead of the server's clock",
}
_ID = {
    "oneOf": [
        {"type": "string", "minLength": 1, "maxLength": MAX_ID},
        {"type": "integer", "minimum": MIN_NUMERIC_ID, "maximum": MAX_NUMERIC_ID},
    ],
}


def _fields(properties: dict[str, Any], required: tuple[str, ...]) -> dict[str, Any]:
    # Unknown fields are refused: a misspelt optional one would otherwise pass unseen.
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


_LINE = _fields(
    {
        "product_id": _ID,
        "quantity": {"type": "integer", "minimum": 1, "maximum": MAX_QUANTITY},
        "unit_price": _money("minimum"),
    },
    ("product_id", "quantity", "unit_price"),
)
_ORDER = _fields(
    {
        "order_id": _ID,
        "anonymous_id": {
            "oneOf": [*_ID["oneOf"], {"type": "null"}],
            "description": "the snippet's visitor id; needed for attribution",
        },
        "placed_at": _MOMENT,
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "lines": {"type": "array", "minItems": 1, "maxItems": MAX_LINES, "items": _LINE},
        "total": _money("minimum") | {"description": "net of tax and shipping"},
    },
    ("order_id", "placed_at", "currency", "lines", "total"),
)
_REFUND = _fields(
    {
        "refund_id": _ID,
        "amount": _money("exclusiveMinimum")
        | {"description": "above 0; all refunds at most the order's total"},
        "refunded_at": _MOMENT,
        "reason": {"type": ["string", "null"], "maxLength": MAX_REASON},
    },
    ("refund_id", "amount", "refunded_at"),
)
_ORDER_ID = [path_parameter("order_id", "the shop's order id")]


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


_WRITE_ERRORS = {
    "401": error("No valid secret key"),
    "409": error("The id is recorded with another body"),
    "422": error("A field is invalid; `field` names it"),
    "503": error("The store did not confirm the write on disk; send it again"),
}
paths = {
    "/v1/orders": {
        "post": {
            "summary": "Record an order",
            "description": _POST_ORDER,
            "security": SECRET_KEY,
            "requestBody": _body(_ORDER),
            "responses": {
                "200": json_body({"type": "object"}, "Already recorded with this body"),
                "201": json_body({"type": "object"}, "Recorded"),
                "400": error("The body is not a JSON object"),
                "413": error("The body is over 256 KiB"),
                **_WRITE_ERRORS,
            },
        }
    },
    "/v1/orders/{order_id}": {
        "get": {
            "summary": "An order with its refunds",
            "description": _GET_ORDER,
            "security": SECRET_KEY,
            "parameters": _ORDER_ID,
            "responses": {
                "200": json_body({"type": "object"}),
                "401": error("No valid secret key"),
                "404": error("No such order"),
            },
        }
    },
    "/v1/orders/{order_id}/refunds": {
        "post": {
            "summary": "Record a refund or cancellation",
            "description": _POST_REFUND,
            "security": SECRET_KEY,
            "parameters": _ORDER_ID,
            "requestBody": _body(_REFUND),
            "responses": {
                "200": json_body({"type": "object"}, "Already recorded with this body"),
                "201": json_body({"type": "object"}, "Recorded"),
                "400": error("The body is not a JSON object"),
                "404": error("No such order"),
                "413": error("The body is over 64 KiB"),
                **_WRITE_ERRORS,
            },
        }
    },
}
