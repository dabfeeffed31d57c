"""A shop's pages: uplift, integration, catalogue and models (the team: `team_pages`; what
the widgets did: `placement_pages`)."""

from __future__ import annotations

import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from billing import BillingError, Period
from billing.statement import reason_text
from engine.model_store import ModelStore
from widget.catalog import CatalogIndex, FeedStore
from widget.dashboard.access import ShopView, problem, shop_page
from widget.dashboard.charts import interval_chart
from widget.dashboard.listing import BadListing, link, page_of, search_of
from widget.dashboard.rendering import page
from widget.dashboard.training import HELD_OUT_METRICS, attempt, held_out, trained, utc_time
from widget.dashboard.uplift import difference_rows, recent_periods, uplift_figures
from widget.integration import WINDOW, observe, run_checks
from widget.platform.services import services
from widget.recommendations import serving
from widget.retraining import holding, read_status
from widget.snippet import STATIC_DIR, SnippetFiles

CATALOGUE_PAGE = 25


@shop_page("uplift")
async def uplift(request: Request, view: ShopView) -> Response:
    redis = services(request).redis
    today = datetime.datetime.now(datetime.UTC).date()
    try:
        period = Period.parse(request.query_params.get("period") or str(Period.of(today)))
    except BillingError:
        period = Period.of(today)
    figures = await uplift_figures(redis, view.shop.id, period)
    unit = f" ({figures.currency_label})" if figures.currency_label else ""
    chart = interval_chart(
        figures.cumulative,
        f"Cumulative difference in revenue per visitor{unit}, {period}",
        "Treatment minus holdout, summed from the first day of the period to each day, "
        f"with its {figures.report.confidence_level:.0%} confidence interval as a band. "
        "The same figures are in the table below the chart.",
    )
    return page(
        "uplift.html",
        **view.context(
            figures=figures,
            rows=difference_rows(figures),
            reason_text=reason_text,
            periods=recent_periods(today),
            period=period,
            chart=chart,
        ),
    )


@shop_page("integration")
async def integration(request: Request, view: ShopView) -> Response:
    now = datetime.datetime.now(datetime.UTC)
    checks = run_checks(await observe(services(request).redis, view.shop.id, now))
    try:
        loader = services(request).settings.base_url + "/js/loader.js"
        snippet: str | None = SnippetFiles.load(STATIC_DIR / "js").tag(view.shop.site_key, loader)
    except (OSError, ValueError, KeyError):
        snippet = None
    return page(
        "integration.html",
        **view.context(checks=checks, window=WINDOW, now=now, snippet=snippet),
    )


async def _model_metadata(models: ModelStore, shop: str) -> tuple[str | None, dict[str, Any]]:
    version = await models.current_version(shop)
    if version is None:
        return None, {}
    return version, await models.metadata(shop, version) or {}


def _listed(catalog: CatalogIndex, i: int) -> dict[str, Any]:
    """What the catalogue page shows of product `i`."""
    category = catalog.categories[catalog.category_id[i]]
    return catalog.fields(i) | {"category": category, "in_stock": bool(catalog.in_stock[i])}


@shop_page("catalogue")
async def catalogue(request: Request, view: ShopView) -> Response:
    found = services(request)
    catalog = await serving(request).catalogs.get(view.shop.id)
    try:
        query = search_of(request.query_params)
        matching = catalog.search(query)
        listing = page_of(request.query_params, len(matching), CATALOGUE_PAGE)
    except BadListing as bad:
        return problem(400, str(bad), view.viewer)
    products = [_listed(catalog, i) for i in listing.rows(matching)]
    path = request.url.path
    feed = await FeedStore(found.redis).get(view.shop.id)
    version, metadata = await _model_metadata(found.models, view.shop.id)
    retraining = await read_status(found.redis, view.shop.id)
    return page(
        "catalogue.html",
        **view.context(
            product_count=len(catalog),
            products=products,
            query=query,
            listing=listing,
            page_link=lambda number: link(path, q=query, page=number),
            feed=None if feed is None else feed.as_dict(),
            version=version,
            metadata=metadata,
            retraining=retraining,
            training_now=await holding(found.redis, view.shop.id),
            at=utc_time,
            trained=None if version is None else trained(version, metadata, retraining),
            attempt=attempt(retraining),
            held_out=held_out(metadata),
            metrics=HELD_OUT_METRICS,
        ),
    )
