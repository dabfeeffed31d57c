"""`GET /v1/recommendations`: what the widget shows, per placement, for one visitor."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tracker.credentials import SITE_KEY_PREFIX, shop_of_key
from widget.events_api import cors_headers
from widget.openapi import error, json_body, query
from widget.recommendation_service import RecommendationRequest, ShopView
from widget.responses import ApiError, FastJSONResponse
from widget.services import services
from widget.shop_config import MAX_LIMIT

MAX_PLACEMENTS = 8
MAX_CART = 100
_MAX_ID = 128


def _identifier(request: Request, name: str, required: bool = True) -> str | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        if required:
            raise ApiError(422, "invalid_parameter", f"{name} is required", name)
        return None
    if len(value) > _MAX_ID:
        raise ApiError(422, "invalid_parameter", f"{name} has more than {_MAX_ID} characters", name)
    return value


def _limit(request: Request) -> int | None:
    raw = request.query_params.get("limit")
    if raw is None:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(422, "invalid_parameter", f"limit must be 1 to {MAX_LIMIT}", "limit")
    return int(raw)


def _cart(request: Request) -> tuple[str, ...]:
    ids = tuple(i for i in request.query_params.get("cart", "").split(",") if i)
    if len(ids) > MAX_CART or any(len(i) > _MAX_ID for i in ids):
        raise ApiError(422, "invalid_parameter", f"cart holds at most {MAX_CART} ids", "cart")
    return ids


async def get_recommendations(request: Request) -> Response:
    """Recommendations for one visitor and one or more placements of a page.

    Query: `site_key`, `anonymous_id`, `session_id`, `placement` (repeatable: product,
    basket, home, longtail, or the shop's own), `product_id`, `cart` (comma-separated),
    `limit`. Answers `{"arm", "recommendations": [{"placement", "rec_id", "items": [...]}]}`;
    a holdout visitor gets `"arm": "holdout"` and no items, on every request.
    """
    found = services(request)
    site_key = request.query_params.get("site_key", "")
    shop = shop_of_key(site_key, SITE_KEY_PREFIX)
    record = await found.shop_records.get(shop) if shop else None
    if shop is None or record is None or record.site_key != site_key:
        raise ApiError(401, "unknown_site_key", "unknown site key", "site_key")
    origin = request.headers.get("origin")
    if origin and origin not in record.origins:
        raise ApiError(403, "origin_not_allowed", f"origin {origin!r} is not allowed", "origin")
    view = ShopView(
        config=await found.shop_configs.get(shop),
        catalog=await found.catalogs.get(shop),
        trending=await found.trending.get(shop),
        models=await found.models.get(shop),
    )
    placements = tuple(request.query_params.getlist("placement"))
    if not placements or len(placements) > MAX_PLACEMENTS:
        raise ApiError(
            422, "invalid_parameter", f"give 1 to {MAX_PLACEMENTS} placement", "placement"
        )
    unknown = [p for p in placements if p not in view.config.placements]
    if unknown:
        known = ", ".join(sorted(view.config.placements))
        raise ApiError(
            422,
            "invalid_parameter",
            f"unknown placement {unknown[0]!r}; known: {known}",
            "placement",
        )
    query = RecommendationRequest(
        anonymous_id=str(_identifier(request, "anonymous_id")),
        session_id=str(_identifier(request, "session_id")),
        placements=tuple(dict.fromkeys(placements)),
        product_id=_identifier(request, "product_id", required=False),
        cart=_cart(request),
        limit=_limit(request),
    )
    answer = await found.recommendations.recommend(shop, view, query)
    headers = cors_headers(origin) | {"Cache-Control": "no-store"}
    return FastJSONResponse(answer.as_dict(), headers=headers)


routes = [Route("/v1/recommendations", get_recommendations, methods=["GET"])]


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
                query("site_key", "the shop's public key (pk_...)", required=True),
                query("anonymous_id", "the visitor", required=True, maxLength=_MAX_ID),
                query("session_id", "the visit", required=True, maxLength=_MAX_ID),
                query(
                    "placement",
                    "a placement (repeatable)",
                    required=True,
                    type="array",
                    items={"type": "string"},
                    maxItems=MAX_PLACEMENTS,
                ),
                query("product_id", "the product on the page", maxLength=_MAX_ID),
                query("cart", "the cart's product ids, comma-separated"),
                query("limit", "items per placement", type="integer", minimum=1, maximum=MAX_LIMIT),
            ],
            "responses": {
                "200": json_body(_ANSWER),
                "401": error("Unknown site key"),
                "403": error("Origin not allowed"),
                "422": error("A parameter is wrong"),
                "503": error("The store does not answer"),
            },
        }
    }
}
