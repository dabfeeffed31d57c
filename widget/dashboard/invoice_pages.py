"""A shop's invoices: the list, one invoice, and its CSV and PDF (admin and finance only).

The documents, the CSV and the PDF are billing's own (`documents`, `to_csv`,
`render_pdf`), the same that the HTTP export and the command line give.
"""

from __future__ import annotations

import datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from billing import BillingError, Period
from billing.documents import Document, documents
from billing.exports import file_name, to_csv
from billing.invoice_pdf import render_pdf
from billing.invoice_records import invoice_revisions
from widget.dashboard.access import ShopView, problem, shop_page
from widget.dashboard.rendering import SECURITY_HEADERS, page
from widget.dashboard.uplift import recent_periods
from widget.platform.services import services

HISTORY_MONTHS = 24


async def _documents(request: Request, view: ShopView) -> tuple[Period, list[Document]] | None:
    try:
        period = Period.parse(request.path_params["period"])
    except BillingError:
        return None
    revisions = await invoice_revisions(services(request).redis, view.shop.id, period)
    return (period, documents(revisions)) if revisions else None


@shop_page("invoices")
async def invoice_list(request: Request, view: ShopView) -> Response:
    today = datetime.datetime.now(datetime.UTC).date()
    periods = recent_periods(today, HISTORY_MONTHS)
    redis = services(request).redis
    found = []
    for period in periods:
        found += documents(await invoice_revisions(redis, view.shop.id, period))
    return page("invoices.html", **view.context(documents=found))


@shop_page("invoices")
async def invoice_view(request: Request, view: ShopView) -> Response:
    found = await _documents(request, view)
    if found is None:
        return problem(404, "There is no invoice for this period.", view.viewer)
    period, docs = found
    return page("invoice.html", **view.context(period=period, documents=docs))


@shop_page("invoices")
async def invoice_csv(request: Request, view: ShopView) -> Response:
    found = await _documents(request, view)
    if found is None:
        return problem(404, "There is no invoice for this period.", view.viewer)
    period, docs = found
    disposition = f'attachment; filename="invoice-{view.shop.id}-{period}.csv"'
    return Response(
        to_csv(docs).encode(),
        media_type="text/csv; charset=utf-8",
        headers=SECURITY_HEADERS | {"Content-Disposition": disposition},
    )


@shop_page("invoices")
async def invoice_pdf(request: Request, view: ShopView) -> Response:
    found = await _documents(request, view)
    kind = request.query_params.get("document", "invoice")
    number = request.query_params.get("number")
    # a period's last document of a kind is the one in effect; `number` names any other
    chosen = [doc for doc in (found[1] if found else []) if doc.kind == kind]
    if number is not None:
        chosen = [doc for doc in chosen if doc.number == number]
    document = chosen[-1] if chosen else None
    if document is None:
        return problem(404, "There is no such document for this period.", view.viewer)
    disposition = f'attachment; filename="{file_name(document, "pdf")}"'
    return Response(
        await run_in_threadpool(render_pdf, document),
        media_type="application/pdf",
        headers=SECURITY_HEADERS | {"Content-Disposition": disposition},
    )
