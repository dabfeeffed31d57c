"""`POST /v1/events`: the tracker's HTTP edge, and its CORS preflight."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tracker import keys
from tracker.batch import MAX_BATCH_EVENTS, MAX_BODY_BYTES, parse_batch
from tracker.client import describe_client
from tracker.credentials import SITE_KEY_PREFIX, shop_of_key
from tracker.errors import (
    BatchError,
    PayloadTooLarge,
    RateLimited,
    StoreUnavailable,
    UnsupportedContentType,
)
from tracker.schema import EVENT_TYPES
from widget.platform.openapi import error, json_body, query
from widget.platform.responses import FastJSONResponse, cors_headers, error_code, error_response
from widget.platform.services import Services, services

_CONTENT_TYPES = ("application/json", "text/plain")


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it grows past `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the body has {declared} bytes; at most {limit}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body has more than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def origin_allowed(services: Services, site_key: str | None, origin: str | None) -> bool:
    """Whether `origin` may call with `site_key`; decides CORS headers on refusals."""
    shop = shop_of_key(site_key or "", SITE_KEY_PREFIX)
    if shop is None or not origin:
        return False
    async with services.redis.pipeline(transaction=False) as pipe:
        pipe.hget(keys.shop_record(shop), "site_key")
        pipe.sismember(keys.shop_origins(shop), origin)
        stored_key, member = await pipe.execute()
    return bool(stored_key == site_key and member)


async def post_events(request: Request) -> Response:
    """Accept a batch of browsing events.

    Body `{"site_key", "sent_at", "events": [...]}` as application/json or text/plain.
    Answers 200 `{"accepted", "duplicates", "rejected": [{"index", "field", "reason"}]}`;
    400, 401, 403, 413, 415, 422, 429 (with Retry-After) or 503 refuse the whole batch.
    """
    found = services(request)
    origin = request.headers.get("origin")
    site_key: str | None = None
    try:
        content_type = request.headers.get("content-type", "application/json")
        if not content_type.lower().startswith(_CONTENT_TYPES):
            raise UnsupportedContentType(
                f"send the batch as application/json or text/plain, not {content_type!r}"
            )
        batch = parse_batch(await read_body(request, MAX_BODY_BYTES))
        site_key = batch.site_key
        client = describe_client(
            request.client.host if request.client else None,
            request.headers.get("user-agent", ""),
            found.address_secret,
        )
        result = await found.ingestor.ingest(batch, origin, client)
    except BatchError as error:
        found.metrics.batches_refused.labels(str(error.status)).inc()
        headers = {}
        if isinstance(error, RateLimited):
            headers["Retry-After"] = str(error.retry_after)
        if isinstance(error, StoreUnavailable):
            # Asking the store that just failed would cost a second timeout; a 503 tells
            # any origin nothing about the shop.
            headers.update(cors_headers(origin))
        elif error.status != 403 and await origin_allowed(found, site_key, origin):
            headers.update(cors_headers(origin))
        return error_response(error.status, error_code(error), error.reason, error.field, headers)
    found.metrics.count_events(
        result.shop, result.accepted, result.duplicates, len(result.rejected)
    )
    return FastJSONResponse(
        {
            "accepted": result.accepted,
            "duplicates": result.duplicates,
            "rejected": [rejection.as_dict() for rejection in result.rejected],
        },
        headers=cors_headers(origin),
    )


async def preflight_events(request: Request) -> Response:
    """CORS preflight: allowed only for an origin of the shop named by `?site_key=`.

    Browsers skip the preflight when the batch is sent as text/plain, as the snippet does.
    """
    origin = request.headers.get("origin")
    site_key = request.query_params.get("site_key")
    if not await origin_allowed(services(request), site_key, origin):
        return error_response(
            403,
            "origin_not_allowed",
            "preflight needs ?site_key= of a shop that allows this origin",
            "site_key",
        )
    headers = cors_headers(origin)
    headers.update(
        {
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "86400",
        }
    )
    return Response(status_code=204, headers=headers)


routes = [
    Route("/v1/events", post_events, methods=["POST"]),
    Route("/v1/events", preflight_events, methods=["OPTIONS"]),
]


# Each event is validated on its own and refused ones are listed in the answer, so any
# event is acceptable to the batch as a whole: its fields are described, not constrained.
_EVENT = {
    "description": "An event: event_id (a UUID made by the client), type ("
    + ", ".join(sorted(EVENT_TYPES))
    + "), anonymous_id and session_id (1 to 128 characters), timestamp (ISO 8601 with a zone, "
    "from 2000 to minutes ahead of the server's clock), properties (Segment e-commerce v2: "
    "product_id, price, quantity, currency, order_id, total, products[], rec_id, placement, "
    "arm, position) and context.page {url, referrer}. A placement must be one of the shop's.",
}
_BATCH = {
    "type": "object",
    "required": ["site_key", "events"],
    "properties": {
        "site_key": {
            "type": "string",
            "minLength": 1,
            "description": "the shop's public key (pk_...)",
        },
        "sent_at": {"oneOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]},
        "events": {"type": "array", "maxItems": MAX_BATCH_EVENTS, "items": _EVENT},
    },
}
_ACCEPTED = {
    "type": "object",
    "required": ["accepted", "duplicates", "rejected"],
    "properties": {
        "accepted": {"type": "integer"},
        "duplicates": {"type": "integer"},
        "rejected": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "index": {"type": "integer"},
                    "field": {"type": "string"},
                    "reason": {"type": "string"},
                },
            },
        },
    },
}
paths = {
    "/v1/events": {
        "post": {
            "summary": "Send a batch of browsing events",
            "description": str(post_events.__doc__),
            "requestBody": {
                "required": True,
                # As text/plain the same JSON: browsers send it so without a preflight.
                "content": {
                    "application/json": {"schema": _BATCH},
                    "text/plain": {"schema": _BATCH},
                },
            },
            "responses": {
                "200": json_body(_ACCEPTED, "Stored; invalid events are listed in `rejected`"),
                "400": error("The body is not a JSON object"),
                "401": error("Unknown site key"),
                "403": error("Origin not allowed for the shop"),
                "413": error("Body over 512 KiB or an event over 32 KiB"),
                "415": error("Neither application/json nor text/plain"),
                "422": error("More than 500 events"),
                "429": error("Rate limited; see Retry-After"),
                "503": error("The store did not confirm the append"),
            },
        },
        "options": {
            "summary": "CORS preflight",
            "description": str(preflight_events.__doc__),
            "parameters": [query("site_key", "the shop's public key", required=True, minLength=1)],
            "responses": {"204": {"description": "Allowed"}, "403": error("Not allowed")},
        },
    }
}
