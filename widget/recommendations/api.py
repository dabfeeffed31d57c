"""`GET /v1/recommendations`: what the widget shows, per placement, for one visitor.

The endpoint is a plain ASGI app rather than a Starlette function endpoint: the Request
and Response objects around a request, and the query's parsing, cost a fifth of what
the rest of a request costs, for what a few lines do here.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote_plus

from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from tracker.client import is_automated, network_of
from tracker.credentials import SITE_KEY_PREFIX, shop_of_key
from widget.platform.openapi import error, json_body, query
from widget.platform.params import bounded_int
from widget.platform.responses import ApiError, cors_headers, send_json
from widget.platform.shop_config import MAX_LIMIT
from widget.recommendations.service import RecommendationRequest, Recommendations, ShopView
from widget.recommendations.state import Serving, serving_of

MAX_PLACEMENTS = 8
MAX_CART = 100
_MAX_ID = 128
# What `_cart` accepts: up to MAX_CART ids of up to _MAX_ID characters (empty ones skipped).
_CART_PATTERN = f"^,*(?:[^,]{{1,{_MAX_ID}}}(?:,+[^,]{{1,{_MAX_ID}}}){{0,{MAX_CART - 1}}})?,*$"


def _parameters(query_string: bytes) -> dict[str, list[str]]:
    """Each parameter's values in order, read as Starlette's `request.query_params` reads
    them (`parse_qsl`), at a fifth of its cost."""
    text = query_string.decode("latin-1")
    escaped = "%" in text or "+" in text
    found: dict[str, list[str]] = {}
    for field in text.split("&"):
        if field:
            name, _, value = field.partition("=")
            if escaped:
                name, value = unquote_plus(name), unquote_plus(value)
            found.setdefault(name, []).append(value)
    return found


def _last(parameters: dict[str, list[str]], name: str) -> str | None:
    # A repeated parameter counts by its last value, as in `request.query_params`.
    values = parameters.get(name)
    return values[-1] if values else None


def _identifier(parameters: dict[str, list[str]], name: str, required: bool = True) -> str | None:
    value = _last(parameters, name)
    if value is None or value == "":
        if required:
            raise ApiError(422, "invalid_parameter", f"{name} is required", name)
        return None
    if len(value) > _MAX_ID:
        raise ApiError(422, "invalid_parameter", f"{name} has more than {_MAX_ID} characters", name)
    return value


def _limit(parameters: dict[str, list[str]]) -> int | None:
    raw = _last(parameters, "limit")
    if raw is None:
        return None
    return bounded_int(raw, "limit", 1, MAX_LIMIT)


def _cart(parameters: dict[str, list[str]]) -> tuple[str, ...]:
    ids = tuple(i for i in (_last(parameters, "cart") or "").split(",") if i)
    if len(ids) > MAX_CART or any(len(i) > _MAX_ID for i in ids):
        raise ApiError(422, "invalid_parameter", f"cart holds at most {MAX_CART} ids", "cart")
    return ids


def _header(scope: Scope, name: bytes) -> str | None:
    # As `request.headers.get(name)`: ASGI servers give header names in lower case.
    for key, value in scope["headers"]:
        if key == name:
            found: str = value.decode("latin-1")
            return found
    return None


@dataclass(frozen=True)
class Caller:
    """What counting needs of the request's sender: its address (as the ASGI server gives
    it, the same the events endpoint limits by) and the headers a browser's fetch sends."""

    address: str | None
    user_agent: str = ""
    accept_language: str | None = None
    sec_fetch_mode: str | None = None

    @classmethod
    def of(cls, scope: Scope) -> Caller:
        client = scope.get("client")
        return cls(
            client[0] if client else None,
            _header(scope, b"user-agent") or "",
            _header(scope, b"accept-language"),
            _header(scope, b"sec-fetch-mode"),
        )

    @property
    def counts(self) -> bool:
        return not is_automated(self.user_agent, self.accept_language, self.sec_fetch_mode)


async def get_recommendations(
    found: Serving, parameters: dict[str, list[str]], origin: str | None, caller: Caller
) -> Recommendations:
    """Recommendations for one visitor and one or more placements of a page.

    Query: `site_key`, `anonymous_id`, `session_id`, `placement` (repeatable: product,
    basket, home, longtail, or the shop's own), `product_id`, `cart` (comma-separated),
    `limit`. Answers `{"arm", "recommendations": [{"placement", "rec_id", "items": [...]}]}`;
    a holdout visitor gets `"arm": "holdout"` and no items, on every request.

    A request counts the visitor for billing (the server records their exposure, once a
    day) unless it comes from a bot or lacks the headers every browser's fetch sends
    (Accept-Language; Sec-Fetch-Mode from Chromium 76+ and Firefox 90+), or the visitor is
    new and their network (IPv4 /24, IPv6 /64) has had its new visitors of the hour
    (BASKETLIFT_NEW_VISITORS_PER_NETWORK_HOUR): such requests are served all the same.
    """
    site_key = _last(parameters, "site_key") or ""
    shop = shop_of_key(site_key, SITE_KEY_PREFIX)
    record = await found.shop_records.get(shop) if shop else None
    if shop is None or record is None or record.site_key != site_key:
        raise ApiError(401, "unknown_site_key", "unknown site key", "site_key")
    if origin and origin not in record.origins:
        raise ApiError(403, "origin_not_allowed", f"origin {origin!r} is not allowed", "origin")
    view = ShopView(
        config=await found.shop_configs.get(shop),
        holdout_share=await found.holdout_shares.get(shop),
        catalog=await found.catalogs.get(shop),
        trending=await found.trending.get(shop),
        models=await found.models.get(shop),
    )
    placements = tuple(parameters.get("placement", ()))
    if not placements or len(placements) > MAX_PLACEMENTS:
        raise ApiError(
            422, "invalid_parameter", f"give 1 to {MAX_PLACEMENTS} placement", "placement"
        )
    unknown = [p for p in placements if p not in view.config.placements]
    if unknown:
        # Well formed, but not one of the shop's: its placements are what it configured.
        known = ", ".join(sorted(view.config.placements))
        raise ApiError(
            404,
            "unknown_placement",
            f"unknown placement {unknown[0]!r}; known: {known}",
            "placement",
        )
    query = RecommendationRequest(
        anonymous_id=str(_identifier(parameters, "anonymous_id")),
        session_id=str(_identifier(parameters, "session_id")),
        placements=tuple(dict.fromkeys(placements)),
        product_id=_identifier(parameters, "product_id", required=False),
        cart=_cart(parameters),
        limit=_limit(parameters),
        network=network_of(caller.address),
        counts=caller.counts,
    )
    return await found.recommendations.recommend(shop, view, query)


class _Endpoint:
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        origin = _header(scope, b"origin")
        parameters = _parameters(scope["query_string"])
        answer = await get_recommendations(serving_of(scope), parameters, origin, Caller.of(scope))
        headers = cors_headers(origin) | {"Cache-Control": "no-store"}
        await send_json(send, answer.as_dict(), headers)


route = Route("/v1/recommendations", _Endpoint(), methods=["GET"])


_ITEM = {
    "type": "object",
    "properties": {
        "product_id": {"type": "string"},
        "title": {"type": "string"},
        "url": {"type": "string"},
        "image_url": {"type": "string"},
        "price": {"type": "string", "description": "a decimal number"},
        "currency": {"type": "string"},
        "reason": {"type": "string", "description": "why, in words: e.g. viewed with 1234"},
    },
}
_ANSWER = {
    "type": "object",
    "required": ["arm", "recommendations"],
    "properties": {
        "arm": {"enum": ["treatment", "holdout"]},
        "recommendations": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "placement": {"type": "string"},
                    "rec_id": {"type": "string", "description": "echo it in events and orders"},
                    "items": {"type": "array", "items": _ITEM},
                },
            },
        },
    },
}
paths = {
    "/v1/recommendations": {
        "get": {
            "summary": "Recommendations for one visitor's placements",
            "description": str(get_recommendations.__doc__),
            "parameters": [
                query("site_key", "the shop's public key (pk_...)", required=True, minLength=1),
                query("anonymous_id", "the visitor", required=True, minLength=1, maxLength=_MAX_ID),
                query("session_id", "the visit", required=True, minLength=1, maxLength=_MAX_ID),
                query(
                    "placement",
                    "a placement of the shop (repeatable)",
                    required=True,
                    type="array",
                    items={"type": "string", "minLength": 1},
                    examples=[["product", "basket"]],
                    minItems=1,
                    maxItems=MAX_PLACEMENTS,
                ),
                query("product_id", "the product on the page", maxLength=_MAX_ID),
                query(
                    "cart",
                    f"the cart's product ids, comma-separated: at most {MAX_CART}",
                    pattern=_CART_PATTERN,
                ),
                query("limit", "items per placement", type="integer", minimum=1, maximum=MAX_LIMIT),
            ],
            "responses": {
                "200": json_body(_ANSWER),
                "401": error("Unknown site key"),
                "403": error("Origin not allowed"),
                "404": error("A placement the shop has not configured"),
                "422": error("A parameter is wrong"),
                "503": error("The store does not answer"),
            },
        }
    }
}
