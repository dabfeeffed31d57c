"""The catalogue from a URL: `POST /v1/catalog-imports` once, `/v1/catalog-feed` on a schedule."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from widget.catalog.errors import CatalogUploadError
from widget.catalog.feeds import (
    MAX_EVERY_MINUTES,
    MIN_EVERY_MINUTES,
    FeedStore,
    feed_from,
    import_feed,
)
from widget.catalog.fetch import FeedFetcher
from widget.platform.auth import authenticated_shop
from widget.platform.openapi import SECRET_KEY, error, json_body, json_request
from widget.platform.responses import ApiError, FastJSONResponse, error_code, json_object
from widget.platform.services import services


def _fetcher(request: Request) -> FeedFetcher:
    return FeedFetcher(services(request).settings.catalog_feed_trusted_hosts)


def _refused(refused: CatalogUploadError) -> ApiError:
    return ApiError(refused.status, error_code(refused), refused.reason, refused.field)


async def import_url(request: Request) -> Response:
    """Fetch a catalogue from an https URL and import it as an upload of its body.

    Body: `{"url", "replace", "currency", "store_url", "decimal_separator"}`; `replace`
    defaults to false, as for uploads. The format is told from the content. Answers as
    `PUT /v1/catalog`; 400 `feed_unreachable` when the URL cannot be fetched (not https, a
    non-public address, an answer other than 200...), saying why.
    """
    shop = await authenticated_shop(request)
    data = await json_object(request)
    fetcher = _fetcher(request)
    try:
        feed = feed_from({"replace": False} | data, fetcher.trusted_hosts)
        result = await import_feed(services(request).redis, shop.id, feed, fetcher)
    except CatalogUploadError as refused:
        raise _refused(refused) from None
    return FastJSONResponse(result.as_dict())


async def put_feed(request: Request) -> Response:
    """Register the shop's catalogue feed (replacing any), synced every `every_minutes`.

    Body: `{"url", "every_minutes", "replace", "currency", "store_url",
    "decimal_separator"}`; `every_minutes` defaults to a day, `replace` to true (a feed
    is the whole catalogue). The first sync is due at once; the server's consumers sync
    it (`basketlift consume` when they run apart).
    """
    shop = await authenticated_shop(request)
    data = await json_object(request)
    try:
        feed = feed_from(data, _fetcher(request).trusted_hosts)
    except CatalogUploadError as refused:
        raise _refused(refused) from None
    state = await FeedStore(services(request).redis).register(shop.id, feed)
    return FastJSONResponse(state.as_dict())


async def get_feed(request: Request) -> Response:
    """The shop's feed, when it is next due and how its last sync went."""
    shop = await authenticated_shop(request)
    state = await FeedStore(services(request).redis).get(shop.id)
    if state is None:
        raise ApiError(404, "no_feed", "the shop has no catalogue feed")
    return FastJSONResponse(state.as_dict())


async def delete_feed(request: Request) -> Response:
    """Stop syncing the shop's feed (its products stay)."""
    shop = await authenticated_shop(request)
    if not await FeedStore(services(request).redis).remove(shop.id):
        raise ApiError(404, "no_feed", "the shop has no catalogue feed")
    return FastJSONResponse({"deleted": True})


routes = [
    Route("/v1/catalog-imports", import_url, methods=["POST"]),
    Route("/v1/catalog-feed", put_feed, methods=["PUT"]),
    Route("/v1/catalog-feed", get_feed, methods=["GET"]),
    Route("/v1/catalog-feed", delete_feed, methods=["DELETE"]),
]

# Options as sent: absent, null or "" take the default.
_OPTIONS: dict[str, Any] = {
    "currency": {
        "type": ["string", "null"],
        "pattern": "^([A-Za-z]{3})?$",
        "description": "default: the shop's contract's",
    },
    "store_url": {
        "type": ["string", "null"],
        "pattern": "^(https?://[^/?#]+.*)?$",
        "description": "default: the shop's one origin",
    },
    "decimal_separator": {"enum": [".", ",", "", None]},
}
_URL = {
    "type": "string",
    "pattern": "^https://[^/?#]+",
    "description": "https://, a public address (http:// only for the operator's trusted hosts)",
}
_EVERY = {"type": "integer", "minimum": MIN_EVERY_MINUTES, "maximum": MAX_EVERY_MINUTES}
_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
_FEED = {
    "type": "object",
    "properties": {
        "url": _URL,
        "every_minutes": _EVERY,
        "replace": {"type": "boolean"},
        # As given at registration (null: the default at each sync).
        "currency": {"type": ["string", "null"]},
        "store_url": {"type": ["string", "null"]},
        "decimal_separator": {"enum": [".", ",", None]},
        "next_sync_at": _NULLABLE_TIME,
        "last_sync": {
            "type": ["object", "null"],
            "description": "at, ok, error, and the import's counts and first rejections",
        },
    },
}
_AUTH = {"401": error("Missing or wrong secret key")}
paths = {
    "/v1/catalog-imports": {
        "post": {
            "summary": "Import the catalogue from a URL",
            "description": str(import_url.__doc__),
            "security": SECRET_KEY,
            "requestBody": json_request(
                {"url": _URL, "replace": {"type": "boolean"}, **_OPTIONS}, ("url",)
            ),
            "responses": {
                "200": json_body({"type": "object"}, "Imported, as PUT /v1/catalog answers"),
                "400": error("The URL could not be fetched, or its body is malformed"),
                "413": error("The feed is over 1 GiB or has a row over 64 KiB"),
                "415": error("The feed is in none of the formats known"),
                "422": error("A bad field, or prices in another currency than the shop's"),
            }
            | _AUTH,
        }
    },
    "/v1/catalog-feed": {
        "put": {
            "summary": "Register the catalogue feed, synced on a schedule",
            "description": str(put_feed.__doc__),
            "security": SECRET_KEY,
            "requestBody": json_request(
                {"url": _URL, "every_minutes": _EVERY, "replace": {"type": "boolean"}, **_OPTIONS},
                ("url",),
            ),
            "responses": {
                "200": json_body(_FEED),
                "400": error("A URL that is not https, or a body that is not JSON"),
                "422": error("A bad field"),
            }
            | _AUTH,
        },
        "get": {
            "summary": "Show the catalogue feed and its last sync",
            "security": SECRET_KEY,
            "responses": {"200": json_body(_FEED), "404": error("No feed")} | _AUTH,
        },
        "delete": {
            "summary": "Stop syncing the catalogue feed",
            "security": SECRET_KEY,
            "responses": {
                "200": json_body(
                    {"type": "object", "properties": {"deleted": {"type": "boolean"}}}
                ),
                "404": error("No feed"),
            }
            | _AUTH,
        },
    },
}
