"""The catalogue API for a shop's backend: upload (streamed), read, page, delete.

Imports from a URL and the scheduled feed are `feed_api`'s, served with these routes.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from widget.catalog import feed_api
from widget.catalog.errors import CatalogUploadError
from widget.catalog.feeds import options_from, resolve_options
from widget.catalog.formats import FORMATS, MEDIA_TYPES, format_of
from widget.catalog.parsers import MAX_ROW_BYTES, MAX_UPLOAD_BYTES
from widget.catalog.store import (
    CURSOR_PATTERN,
    MAX_PAGE,
    MAX_REPORTED_REJECTIONS,
    CatalogStore,
    InvalidCursor,
)
from widget.platform.auth import authenticated_shop
from widget.platform.openapi import SECRET_KEY, error, json_body, path_parameter, query
from widget.platform.params import ascii_digits, bounded_int
from widget.platform.responses import ApiError, FastJSONResponse, error_code
from widget.platform.services import services

_DEFAULT_PAGE = 100
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


async def _store(request: Request) -> CatalogStore:
    shop = await authenticated_shop(request)
    return CatalogStore(services(request).redis, shop.id)


def _replace(request: Request) -> bool:
    value = request.query_params.get("replace", "false").lower()
    if value not in _TRUE + _FALSE:
        raise ApiError(422, "invalid_parameter", "replace must be true or false", "replace")
    return value in _TRUE


def _limit(request: Request) -> int:
    return bounded_int(request.query_params.get("limit", str(_DEFAULT_PAGE)), "limit", 1, MAX_PAGE)


async def put_catalog(request: Request) -> Response:
    """Upsert and delete products from a streamed upload.

    Body: a JSON array (application/json), one object a line (application/x-ndjson), or a
    file whose format is told from its content (text/csv, text/tab-separated-values,
    application/xml, application/octet-stream...): Basketlift's CSV with a header row,
    Shopify's or WooCommerce's product CSV export, or a Google Merchant Center feed (RSS
    2.0 XML or TSV); at most 1 GiB and 64 KiB a row. Variants are folded into their
    product. A row with `"deleted": true` deletes its product; `?replace=true` also
    deletes every product the upload does not name. `currency` (default: the shop's
    contract's), `store_url` (default: the shop's one origin) and `decimal_separator`
    fill in what a platform's export leaves out. Each row is validated on its own:
    answers 200 `{"upserted", "deleted", "rejected": [{"row", "field", "reason"}],
    "rejected_count"}` with at most 1000 rejections listed, `field` naming the file's own
    column. 400, 413, 415 and 422 refuse the upload as a whole; rows before the refusal
    are stored (send it again: it is idempotent) and nothing is replaced.
    """
    shop = await authenticated_shop(request)
    redis = services(request).redis
    replace = _replace(request)
    encoding = request.headers.get("content-encoding", "identity").lower()
    if encoding != "identity":
        raise ApiError(415, "unsupported_content_encoding", "send the catalogue uncompressed")
    declared = request.headers.get("content-length", "")
    if ascii_digits(declared) and int(declared) > MAX_UPLOAD_BYTES:
        raise ApiError(413, "upload_too_large", f"the body has more than {MAX_UPLOAD_BYTES} bytes")
    try:
        fmt = format_of(request.headers.get("content-type", ""))
        options = await resolve_options(redis, shop.id, options_from(request.query_params))
        store = CatalogStore(redis, shop.id)
        result = await store.import_upload(request.stream(), fmt, replace, options)
    except CatalogUploadError as refused:
        raise refused_upload(refused) from None
    except ClientDisconnect:
        raise ApiError(400, "client_disconnected", "the body ended early") from None
    return FastJSONResponse(result.as_dict())


async def list_products(request: Request) -> Response:
    """A page of products in no set order; pass `next_cursor` as `cursor` for the next."""
    store = await _store(request)
    try:
        products, cursor = await store.page(request.query_params.get("cursor"), _limit(request))
    except InvalidCursor as invalid:
        raise ApiError(422, "invalid_parameter", str(invalid), "cursor") from None
    return FastJSONResponse(
        {"products": [product.as_dict() for product in products], "next_cursor": cursor}
    )


def refused_upload(refused: CatalogUploadError) -> ApiError:
    return ApiError(refused.status, error_code(refused), refused.reason, refused.field)


def _unknown(product_id: str) -> ApiError:
    return ApiError(404, "unknown_product", f"no product {product_id!r}", "product_id")


async def get_product(request: Request) -> Response:
    """One product (ids holding "/" are reached only through uploads)."""
    product_id = request.path_params["product_id"]
    product = await (await _store(request)).get(product_id)
    if product is None:
        raise _unknown(product_id)
    return FastJSONResponse(product.as_dict())


async def delete_product(request: Request) -> Response:
    """Delete one product."""
    product_id = request.path_params["product_id"]
    if not await (await _store(request)).delete(product_id):
        raise _unknown(product_id)
    return FastJSONResponse({"product_id": product_id, "deleted": True})


routes = [
    *feed_api.routes,
    Route("/v1/catalog", put_catalog, methods=["PUT"]),
    Route("/v1/catalog", list_products, methods=["GET"]),
    Route("/v1/catalog/{product_id}", get_product, methods=["GET"]),
    Route("/v1/catalog/{product_id}", delete_product, methods=["DELETE"]),
]


def _nullable(*names: str) -> dict[str, Any]:
    return {name: {"type": ["string", "null"]} for name in names}


CSV_FIELDS = (
    "product_id",
    "title",
    "url",
    "price",
    "currency",
    "image_url",
    "category",
    "brand",
    "in_stock",
    "margin",
    "variants",
    "deleted",
)
# A product as stored and listed: absent optional fields are null; price and margin are
# decimal strings whatever the upload sent.
_PRODUCT = {
    "type": "object",
    "required": [
        "product_id",
        "title",
        "url",
        "image_url",
        "price",
        "currency",
        "category",
        "in_stock",
        "brand",
        "margin",
        "variants",
    ],
    "properties": {
        "product_id": {"type": "string"},
        "title": {"type": "string"},
        "url": {"type": "string"},
        "price": {"type": "string", "description": "a decimal >= 0, e.g. '12.50'"},
        "currency": {"type": "string"},
        "category": {"type": "string"},
        "variants": {
            "type": "array",
            "items": {"type": "string"},
            "description": "ids of the product's variants (SKUs...), which orders may name",
        },
        "in_stock": {"type": "boolean"},
        **_nullable("image_url", "brand"),
        "margin": {"type": ["string", "null"], "description": "a decimal from 0 to 1"},
    },
}
# Each row is validated on its own and refused rows are listed in the answer, so any row
# is acceptable to the upload as a whole: its fields are described, not constrained.
_ROW = {
    "description": "A product: product_id (string or integer), title, url, price (decimal "
    "string or number >= 0) and currency (ISO 4217), required unless deleted is true; "
    "image_url, category ('A > B'), brand, in_stock (boolean), margin (decimal from 0 to 1), "
    "deleted (true deletes the product). Fields not listed are ignored.",
}
# A CSV's records: the header's names as keys, every cell a string.
_CSV = {
    "type": "array",
    "description": "The rows as CSV: a header row naming the fields (product_id among them), "
    "then a record a row; other columns are ignored",
    "items": {
        "type": "object",
        "properties": {name: {"type": "string"} for name in CSV_FIELDS},
        "additionalProperties": False,
    },
}
_NDJSON = {"type": "string", "minLength": 1, "description": "one row (a JSON object) a line"}
_IMPORTED = {
    "type": "object",
    "required": ["upserted", "deleted", "rejected", "rejected_count"],
    "properties": {
        "upserted": {"type": "integer"},
        "deleted": {"type": "integer"},
        "rejected": {
            "type": "array",
            "maxItems": MAX_REPORTED_REJECTIONS,
            "items": {
                "type": "object",
                "properties": {
                    "row": {"type": "integer", "description": "1-based, among data rows"},
                    "field": {"type": ["string", "null"]},
                    "reason": {"type": "string"},
                },
            },
        },
        "rejected_count": {"type": "integer"},
    },
}
_DELETED = {
    "type": "object",
    "properties": {"product_id": {"type": "string"}, "deleted": {"type": "boolean"}},
}
_AUTH = {"401": error("Missing or wrong secret key")}
_PRODUCT_ID = [path_parameter("product_id", "the product's id")]
_SCHEMAS: dict[str, dict[str, Any]] = {
    "application/json": {"type": "array", "items": _ROW},
    "application/x-ndjson": _NDJSON,
    "text/csv": _CSV,
}
# The platforms' exports and feeds (detected from their content) are described in words.
_BODY_FORMATS = {media_type: {"schema": _SCHEMAS.get(media_type, {})} for media_type in MEDIA_TYPES}
_FORMAT_OPTIONS = [
    query(
        "currency",
        "the currency of the prices; default: the shop's contract's",
        pattern="^([A-Za-z]{3})?$",
    ),
    query(
        "store_url",
        "the storefront's address, for Shopify's and WooCommerce's exports",
        pattern="^(https?://[^/?#]+.*)?$",
    ),
    query("decimal_separator", "the prices' decimal mark", enum=[".", ","]),
]
paths = feed_api.paths | {
    "/v1/catalog": {
        "put": {
            "summary": "Upload the catalogue",
            "description": str(put_catalog.__doc__),
            "security": SECRET_KEY,
            "parameters": [
                query("replace", "delete products not in the upload", type="boolean"),
                *_FORMAT_OPTIONS,
            ],
            "requestBody": {"required": True, "content": _BODY_FORMATS},
            "responses": {
                "200": json_body(_IMPORTED, "Stored; invalid rows are listed in `rejected`"),
                "400": error("Not a JSON array, no CSV header, or an empty body"),
                "413": error(f"Body over {MAX_UPLOAD_BYTES} bytes or a row over {MAX_ROW_BYTES}"),
                "415": error(f"Compressed, or none of the formats: {', '.join(FORMATS)}"),
                "422": error(
                    "A bad query parameter, a price in another currency than the shop's, "
                    "or an export without currency or store_url to complete it"
                ),
            }
            | _AUTH,
        },
        "get": {
            "summary": "List products, a page at a time",
            "description": str(list_products.__doc__),
            "security": SECRET_KEY,
            "parameters": [
                query("limit", "products a page", type="integer", minimum=1, maximum=MAX_PAGE),
                query("cursor", "the previous page's next_cursor", pattern=f"^{CURSOR_PATTERN}$"),
            ],
            "responses": {
                "200": json_body(
                    {
                        "type": "object",
                        "properties": {
                            "products": {"type": "array", "items": _PRODUCT},
                            "next_cursor": {"type": ["string", "null"]},
                        },
                    }
                ),
                "422": error("A bad limit or cursor"),
            }
            | _AUTH,
        },
    },
    "/v1/catalog/{product_id}": {
        "get": {
            "summary": "Show a product",
            "security": SECRET_KEY,
            "parameters": _PRODUCT_ID,
            "responses": {"200": json_body(_PRODUCT), "404": error("No such product")} | _AUTH,
        },
        "delete": {
            "summary": "Delete a product",
            "security": SECRET_KEY,
            "parameters": _PRODUCT_ID,
            "responses": {"200": json_body(_DELETED), "404": error("No such product")} | _AUTH,
        },
    },
}
