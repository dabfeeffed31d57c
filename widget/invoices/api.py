"""Invoice exports over HTTP: a shop's secret key sees its own; the admin token sees all.

GET /v1/invoices?period=2026-10[&format=json|csv][&shop=S]
GET /v1/invoices/{shop}/{period}.pdf[?document=invoice|credit_note]
A shop asking for another shop's invoices gets 404, as if they did not exist.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from billing import BillingError
from billing.documents import Document, documents
from billing.errors import InvalidPeriod
from billing.exports import file_name, to_csv, to_json
from billing.invoice_pdf import render_pdf
from billing.invoice_records import find_invoice, period_invoices
from billing.periods import Period
from widget.platform.auth import authenticated_shop, bearer_matches
from widget.platform.openapi import ADMIN_TOKEN, SECRET_KEY, error, path_parameter, query
from widget.platform.responses import ApiError
from widget.platform.services import services

_MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
# A billing month as `Period` reads it (years 1970 to 9998), in ASCII digits only.
PERIOD_PATTERN = (
    r"(?:19[7-9][0-9]|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-(?:0[1-9]|1[0-2])"
)
_PERIOD = re.compile(PERIOD_PATTERN)


async def _visible_shop(request: Request) -> str | None:
    """None for the admin (every shop); otherwise the shop whose secret key came."""
    if bearer_matches(request, services(request).settings.admin_token):
        return None
    return (await authenticated_shop(request)).id


def _period(value: str | None) -> Period:
    try:
        if not _PERIOD.fullmatch(value or ""):
            raise InvalidPeriod(value or "")
        return Period.parse(value or "")
    except BillingError as problem:
        raise ApiError(422, "invalid_field", str(problem), "period") from None


async def list_invoices(request: Request) -> Response:
    """The period's invoices and credit notes as JSON or CSV."""
    visible = await _visible_shop(request)
    period = _period(request.query_params.get("period"))
    export_format = request.query_params.get("format", "json")
    if export_format not in _MEDIA_TYPES:
        raise ApiError(422, "invalid_field", "format must be 'json' or 'csv'", "format")
    asked = request.query_params.get("shop")
    if visible is not None and asked not in (None, visible):
        raise ApiError(404, "unknown_invoice", f"no invoices of shop {asked!r} for you")
    shops = [visible] if visible is not None else ([asked] if asked else None)
    found = documents(await period_invoices(services(request).redis, period, shops))
    body = to_csv(found).encode() if export_format == "csv" else to_json(found)
    disposition = f'attachment; filename="invoices-{period}.{export_format}"'
    return Response(
        body,
        media_type=_MEDIA_TYPES[export_format],
        headers={"Content-Disposition": disposition},
    )


async def invoice_pdf(request: Request) -> Response:
    """One shop's invoice (or its credit note) for a period as a PDF."""
    visible = await _visible_shop(request)
    shop = request.path_params["shop"]
    period = _period(request.path_params["period"])
    kind = request.query_params.get("document", "invoice")
    if kind not in ("invoice", "credit_note"):
        raise ApiError(422, "invalid_field", "document must be invoice or credit_note", "document")
    invoice = None
    if visible in (None, shop):
        invoice = await find_invoice(services(request).redis, shop, period)
    document = _document(documents([invoice] if invoice else []), kind)
    if document is None:
        raise ApiError(404, "unknown_invoice", f"no {kind} of shop {shop!r} for {period}")
    return Response(
        render_pdf(document),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{file_name(document, "pdf")}"'},
    )


def _document(found: list[Document], kind: str) -> Document | None:
    return next((document for document in found if document.kind == kind), None)


routes = [
    Route("/v1/invoices", list_invoices, methods=["GET"]),
    Route("/v1/invoices/{shop}/{period}.pdf", invoice_pdf, methods=["GET"]),
]

_ANCHORED_PERIOD = f"^{PERIOD_PATTERN}$"
_SECURITY = SECRET_KEY + ADMIN_TOKEN
_ERRORS = {
    "401": error("Missing or wrong secret key or admin token"),
    "404": error("No such invoice for this caller"),
    "422": error("A parameter is wrong"),
}
paths = {
    "/v1/invoices": {
        "get": {
            "summary": "Export a period's invoices and credit notes (JSON or CSV)",
            "security": _SECURITY,
            "parameters": [
                query(
                    "period", "the billing month, YYYY-MM", required=True, pattern=_ANCHORED_PERIOD
                ),
                query("format", "json (default) or csv", enum=["json", "csv"]),
                query("shop", "only this shop (the admin's choice)"),
            ],
            "responses": {
                "200": {
                    "description": "The documents",
                    "content": {
                        "application/json": {"schema": {"type": "object"}},
                        "text/csv": {"schema": {"type": "string"}},
                    },
                },
            }
            | _ERRORS,
        }
    },
    "/v1/invoices/{shop}/{period}.pdf": {
        "get": {
            "summary": "One invoice or credit note as a PDF",
            "security": _SECURITY,
            "parameters": [
                path_parameter("shop", "the shop's id"),
                path_parameter("period", "the billing month, YYYY-MM", pattern=_ANCHORED_PERIOD),
                query(
                    "document", "invoice (default) or credit_note", enum=["invoice", "credit_note"]
                ),
            ],
            "responses": {
                "200": {
                    "description": "The PDF",
                    "content": {"application/pdf": {"schema": {"type": "string"}}},
                },
            }
            | _ERRORS,
        }
    },
}
