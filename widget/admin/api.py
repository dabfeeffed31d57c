"""The admin HTTP API: shops, their keys and origins, guarded by `BASKETLIFT_ADMIN_TOKEN`."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tracker.credentials import SHOP_ID_PATTERN
from widget.platform.auth import bearer_matches
from widget.platform.openapi import (
    ADMIN_TOKEN,
    error,
    json_body,
    json_request,
    path_parameter,
    query,
)
from widget.platform.responses import ApiError, FastJSONResponse, json_object
from widget.platform.services import services
from widget.platform.shop_config import (
    MAX_LIMIT,
    STRATEGIES,
    InvalidConfig,
    load_config,
    parse_config,
    save_config,
)

Handler = Callable[[Request], Awaitable[Response]]

# What the API takes (and its document states): a name with something besides spaces (the
# shop registry strips it, as Python's str.isspace counts spaces); a shop id as the
# registry's; an origin of a host name or IPv4 address with an optional port.
MAX_NAME = 200
NAME_PATTERN = r"[^\s\x1c-\x1f]"
ORIGIN_PATTERN = (
    r"https?://[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
    r"(?::(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?/?"
)
_NAME = re.compile(NAME_PATTERN)
_NAME_SCHEMA = {"type": "string", "minLength": 1, "maxLength": MAX_NAME, "pattern": NAME_PATTERN}
_SHOP_ID = SHOP_ID_PATTERN
_ORIGIN = re.compile(ORIGIN_PATTERN)


def admin_only(handler: Handler) -> Handler:
    @wraps(handler)
    async def guarded(request: Request) -> Response:
        token = services(request).settings.admin_token
        if token is None:
            raise ApiError(403, "admin_api_disabled", "set BASKETLIFT_ADMIN_TOKEN to enable it")
        if not bearer_matches(request, token):
            raise ApiError(401, "unauthorized", "send Authorization: Bearer <admin token>")
        return await handler(request)

    return guarded


def _string(data: dict[str, Any], field: str, required: bool = True) -> str | None:
    value = data.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise ApiError(422, "invalid_field", f"{field} must be a string", field)
    return value


def _matching(value: str, pattern: re.Pattern[str], field: str, what: str) -> str:
    if not pattern.fullmatch(value):
        raise ApiError(422, "invalid_field", f"{field} must be {what}, not {value!r}", field)
    return value


def _origin(value: str, field: str = "origin") -> str:
    return _matching(value, _ORIGIN, field, "an http(s)://host[:port] origin")


@admin_only
async def list_shops(request: Request) -> Response:
    """List every shop."""
    shops = await services(request).shops.list()
    return FastJSONResponse({"shops": [shop.as_dict() for shop in shops]})


@admin_only
async def create_shop(request: Request) -> Response:
    """Create a shop from `{"name", "id"?, "origins"?: [...]}`; the secret key is shown once."""
    data = await json_object(request)
    name = str(_string(data, "name"))
    if len(name) > MAX_NAME or not _NAME.search(name):
        raise ApiError(422, "invalid_field", f"name must be 1 to {MAX_NAME} characters", "name")
    shop_id = _string(data, "id", required=False)
    if shop_id is not None:
        _matching(shop_id, _SHOP_ID, "id", "1 to 40 of a-z, 0-9 and '-', not starting with '-'")
    origins = data.get("origins", [])
    if not isinstance(origins, list) or not all(isinstance(o, str) for o in origins):
        raise ApiError(422, "invalid_field", "origins must be an array of strings", "origins")
    for origin in origins:
        _origin(origin, "origins")
    issued = await services(request).shops.create(name, tuple(origins), shop_id)
    body = issued.shop.as_dict() | {"secret_key": issued.secret_key}
    return FastJSONResponse(body, status_code=201)


@admin_only
async def show_shop(request: Request) -> Response:
    """Show one shop."""
    shop = await services(request).shops.get(request.path_params["shop"])
    return FastJSONResponse(shop.as_dict())


@admin_only
async def rotate_key(request: Request) -> Response:
    """Replace the shop's `{"key": "secret"}` (default) or `{"key": "site"}` key."""
    data = await json_object(request) if await request.body() else {}
    which = data.get("key", "secret")
    registry = services(request).shops
    shop_id = request.path_params["shop"]
    if which == "secret":
        secret_key = await registry.rotate_secret_key(shop_id)
        return FastJSONResponse(
            (await registry.get(shop_id)).as_dict() | {"secret_key": secret_key}
        )
    if which == "site":
        return FastJSONResponse((await registry.rotate_site_key(shop_id)).as_dict())
    raise ApiError(422, "invalid_field", "key must be 'secret' or 'site'", "key")


@admin_only
async def add_origin(request: Request) -> Response:
    """Allow one more origin: `{"origin": "https://shop.example"}`."""
    origin = _origin(str(_string(await json_object(request), "origin")))
    shop = await services(request).shops.add_origin(request.path_params["shop"], origin)
    return FastJSONResponse(shop.as_dict())


@admin_only
async def remove_origin(request: Request) -> Response:
    """Stop allowing `?origin=https://shop.example`."""
    origin = request.query_params.get("origin")
    if not origin:
        raise ApiError(422, "invalid_field", "give the origin to remove as ?origin=", "origin")
    _origin(origin)
    shop = await services(request).shops.remove_origin(request.path_params["shop"], origin)
    return FastJSONResponse(shop.as_dict())


@admin_only
async def show_config(request: Request) -> Response:
    """The shop's widget configuration: placements with their rules (the holdout share is
    the contract's)."""
    found = services(request)
    shop = await found.shops.get(request.path_params["shop"])
    return FastJSONResponse((await load_config(found.redis, shop.id)).as_dict())


@admin_only
async def replace_config(request: Request) -> Response:
    """Replace the shop's widget configuration; every server uses it within seconds."""
    found = services(request)
    shop = await found.shops.get(request.path_params["shop"])
    try:
        config = parse_config(await json_object(request))
    except InvalidConfig as error:
        raise ApiError(422, "invalid_config", error.reason, error.field) from None
    await save_config(found.redis, shop.id, config)
    return FastJSONResponse(config.as_dict())


routes = [
    Route("/v1/admin/shops", list_shops, methods=["GET"]),
    Route("/v1/admin/shops", create_shop, methods=["POST"]),
    Route("/v1/admin/shops/{shop}", show_shop, methods=["GET"]),
    Route("/v1/admin/shops/{shop}/rotate-key", rotate_key, methods=["POST"]),
    Route("/v1/admin/shops/{shop}/origins", add_origin, methods=["POST"]),
    Route("/v1/admin/shops/{shop}/origins", remove_origin, methods=["DELETE"]),
    Route("/v1/admin/shops/{shop}/config", show_config, methods=["GET"]),
    Route("/v1/admin/shops/{shop}/config", replace_config, methods=["PUT"]),
]


_SHOP = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "site_key": {"type": "string"},
        "origins": {"type": "array", "items": {"type": "string"}},
        "created_at": {"type": "string", "format": "date-time"},
        "secret_key": {"type": "string", "description": "only when created or rotated"},
    },
}
_ADMIN_ERRORS = {
    "401": error("Missing or wrong admin token"),
    "403": error("The admin API is disabled (no BASKETLIFT_ADMIN_TOKEN)"),
}
_SHOP_PARAMETER = [path_parameter("shop", "the shop's id")]


def _operation(summary: str, responses: dict[str, Any]) -> dict[str, Any]:
    return {"summary": summary, "security": ADMIN_TOKEN, "responses": responses | _ADMIN_ERRORS}


_STRINGS = {"type": "array", "items": {"type": "string"}}
_ORIGIN_SCHEMA = {"type": "string", "pattern": f"^{ORIGIN_PATTERN}$"}
_RULES = {
    "type": "object",
    "properties": {
        "exclude_bought_days": {"type": "integer", "minimum": 0},
        "include_categories": _STRINGS,
        "exclude_categories": _STRINGS,
        "price_band": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
        "boost": _STRINGS,
        "bury": _STRINGS,
        "max_per_category": {"type": "integer", "minimum": 1},
    },
}
_CONFIG = {
    "type": "object",
    "properties": {
        "placements": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "strategy": {"enum": list(STRATEGIES)},
                    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                    "rules": _RULES,
                },
            },
        },
    },
}
paths = {
    "/v1/admin/shops": {
        "get": _operation(
            "List shops",
            {
                "200": json_body(
                    {"type": "object", "properties": {"shops": {"type": "array", "items": _SHOP}}}
                )
            },
        ),
        "post": _operation(
            "Create a shop",
            {
                "201": json_body(_SHOP, "Created; the secret key is shown this once"),
                "400": error("Body not JSON"),
                "409": error("A shop with that id exists"),
                "422": error("A field is wrong"),
            },
        )
        | {
            "requestBody": json_request(
                {
                    "name": _NAME_SCHEMA,
                    "id": {"type": ["string", "null"], "pattern": f"^{SHOP_ID_PATTERN.pattern}$"},
                    "origins": {"type": "array", "items": _ORIGIN_SCHEMA},
                },
                required=("name",),
            )
        },
    },
    "/v1/admin/shops/{shop}": {
        "get": _operation("Show a shop", {"200": json_body(_SHOP), "404": error("No such shop")})
        | {"parameters": _SHOP_PARAMETER},
    },
    "/v1/admin/shops/{shop}/rotate-key": {
        "post": _operation(
            "Replace the secret or site key",
            {
                "200": json_body(_SHOP),
                "400": error("Body not JSON"),
                "404": error("No such shop"),
                "422": error("Bad key name"),
            },
        )
        | {
            "parameters": _SHOP_PARAMETER,
            "requestBody": json_request({"key": {"enum": ["secret", "site"]}}, body_required=False),
        },
    },
    "/v1/admin/shops/{shop}/origins": {
        "post": _operation(
            "Allow an origin",
            {
                "200": json_body(_SHOP),
                "400": error("Body not JSON"),
                "404": error("No such shop"),
                "422": error("Bad origin"),
            },
        )
        | {
            "parameters": _SHOP_PARAMETER,
            "requestBody": json_request({"origin": _ORIGIN_SCHEMA}, required=("origin",)),
        },
        "delete": _operation(
            "Stop allowing an origin",
            {"200": json_body(_SHOP), "404": error("No such shop"), "422": error("Bad origin")},
        )
        | {
            "parameters": [
                *_SHOP_PARAMETER,
                query("origin", "the origin", required=True, pattern=_ORIGIN_SCHEMA["pattern"]),
            ]
        },
    },
    "/v1/admin/shops/{shop}/config": {
        "get": _operation(
            "Show the shop's widget configuration",
            {"200": json_body(_CONFIG), "404": error("No such shop")},
        )
        | {"parameters": _SHOP_PARAMETER},
        "put": _operation(
            "Replace the shop's widget configuration",
            {
                "200": json_body(_CONFIG),
                "400": error("Body not JSON"),
                "404": error("No such shop"),
                "422": error("A field is wrong"),
            },
        )
        | {
            "parameters": _SHOP_PARAMETER,
            "requestBody": {"required": True, "content": {"application/json": {"schema": _CONFIG}}},
        },
    },
}
