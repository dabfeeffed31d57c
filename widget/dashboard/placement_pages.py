"""What the widgets did in a month, from the placement rollup: per placement, the long
tail, and per product (a sortable, paged table). The Uplift page links to each.
"""

from __future__ import annotations

import datetime

from starlette.requests import Request
from starlette.responses import Response

from widget.dashboard.access import ShopView, problem, shop_page
from widget.dashboard.listing import BadListing, choice, link, order_of, page_of, period_of
from widget.dashboard.rendering import page
from widget.dashboard.uplift import recent_periods
from widget.placements import (
    ATTRIBUTION_WINDOW,
    PRODUCT_COLUMNS,
    ProductColumn,
    money,
    placement_figures,
    product_figures,
    sort_products,
)
from widget.platform.services import services
from widget.recommendations import serving

WINDOW_HOURS = ATTRIBUTION_WINDOW // datetime.timedelta(hours=1)
PRODUCT_HEADINGS: dict[ProductColumn, str] = {
    "product": "Product",
    "shown": "Shown",
    "clicks": "Clicked",
    "bought": "Bought after a click",
    "revenue": "Click-attributed revenue (not billed)",
}


def _today() -> datetime.date:
    return datetime.datetime.now(datetime.UTC).date()


async def _placements_page(request: Request, view: ShopView, template: str) -> Response:
    try:
        period = period_of(request.query_params, _today())
    except BadListing as bad:
        return problem(400, str(bad), view.viewer)
    head = await serving(request).heads.get(view.shop.id)
    figures = await placement_figures(services(request).redis, view.shop.id, period, head)
    return page(
        template,
        **view.context(
            period=period,
            periods=recent_periods(_today()),
            placements=figures,
            money=money,
            window_hours=WINDOW_HOURS,
        ),
    )


@shop_page("placements")
async def placements(request: Request, view: ShopView) -> Response:
    return await _placements_page(request, view, "placements.html")


@shop_page("long-tail")
async def long_tail(request: Request, view: ShopView) -> Response:
    return await _placements_page(request, view, "long_tail.html")


@shop_page("products")
async def products(request: Request, view: ShopView) -> Response:
    params = request.query_params
    try:
        period = period_of(params, _today())
        column = choice(params, "sort", PRODUCT_COLUMNS, "revenue")
        order = order_of(params, "asc" if column == "product" else "desc")
        figures = await product_figures(services(request).redis, view.shop.id, period)
        rows = figures.rows
        shown = page_of(params, len(rows))
    except BadListing as bad:
        return problem(400, str(bad), view.viewer)
    sort_products(rows, column, order == "desc")
    catalog = await serving(request).catalogs.get(view.shop.id)
    titles = {}
    for row in shown.rows(rows):
        index = catalog.index_of.get(row.product_id)
        titles[row.product_id] = None if index is None else catalog.fields(index)["title"]
    path = request.url.path

    def sort_link(name: ProductColumn) -> str:
        flipped = "asc" if order == "desc" else "desc"
        same = name == column
        default = "asc" if name == "product" else "desc"
        return link(path, period=str(period), sort=name, order=flipped if same else default)

    return page(
        "products.html",
        **view.context(
            period=period,
            periods=recent_periods(_today()),
            rows=shown.rows(rows),
            unlisted=figures.unlisted,
            total=figures.total,
            titles=titles,
            listing=shown,
            column=column,
            order=order,
            headings=PRODUCT_HEADINGS,
            sort_link=sort_link,
            page_link=lambda number: link(
                path, period=str(period), sort=column, order=order, page=number
            ),
            money=money,
            window_hours=WINDOW_HOURS,
        ),
    )
