"""The application factory: `create_app(settings)` composes the HTTP APIs over one store.

Run it with `basketlift serve`, or `uvicorn widget.app:create_app --factory`.
"""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Match, Route

from tracker.errors import InvalidShopField, ShopAlreadyExists, ShopError, UnknownShop
from widget import dashboard
from widget.admin import api as admin_api
from widget.catalog import api as catalog_api
from widget.consumers import start_consumers
from widget.events import api as events_api
from widget.integration import api as integration_api
from widget.invoices import api as invoices_api
from widget.orders import api as orders_api
from widget.platform import compression, health, openapi
from widget.platform.embedded import EmbeddedStore
from widget.platform.fast_lane import FastLaneApp
from widget.platform.metrics import LatencyMiddleware, Metrics
from widget.platform.responses import RETRY_AFTER_SECONDS, ApiError, error_code, error_response
from widget.platform.services import Services
from widget.platform.settings import Settings
from widget.platform.store import connect
from widget.platform.store_errors import STORE_ERRORS, is_store_failure, store_failure
from widget.platform.version import __version__
from widget.recommendations import BuildModels, Serving
from widget.recommendations import api as recommendations_api
from widget.snippet import api as snippet_api

_SHOP_ERROR_STATUS = {UnknownShop: 404, ShopAlreadyExists: 409, InvalidShopField: 422}


async def _api_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    return error_response(error.status, error.code, error.message, error.field)


async def _shop_error(request: Request, error: Exception) -> Response:
    status = _SHOP_ERROR_STATUS.get(type(error), 400)
    return error_response(status, error_code(error), str(error), getattr(error, "field", None))


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    code = error.detail.lower().replace(" ", "_")
    headers = error.headers
    if error.status_code == 405:
        headers = {"Allow": ", ".join(_allowed_methods(request))}
    if dashboard.wants_page(request):
        return dashboard.error_page(error.status_code, headers)
    return error_response(error.status_code, code, error.detail, headers=headers)


async def _store_failure(request: Request, error: Exception) -> Response:
    if dashboard.wants_page(request) and is_store_failure(error):
        return dashboard.error_page(503, {"Retry-After": str(RETRY_AFTER_SECONDS)})
    return await store_failure(request, error)


async def _server_error(request: Request, error: Exception) -> Response:
    """A bug's 500 (the server logs it): a page for a browser at the dashboard, else the
    server's plain answer."""
    if dashboard.wants_page(request):
        return dashboard.error_page(500)
    return PlainTextResponse("Internal Server Error", status_code=500)


def _allowed_methods(request: Request) -> list[str]:
    """Every method routed at the request's path: the router's 405 names only those of
    the first route that matches the path, while a path has a route for each method."""
    methods: set[str] = set()
    for route in request.app.routes:
        if isinstance(route, Route) and route.matches(request.scope)[0] is not Match.NONE:
            methods.update(route.methods or ())
    return sorted(methods)


def _tune_garbage_collector() -> None:
    # Every request allocates many short-lived objects (futures, dicts, strings): with the
    # default threshold of 700 the young generation is collected every few requests.
    # A larger one halved the p99 of event ingestion (bench/ingest.py).
    gc.set_threshold(50_000, 20, 100)


def api_document() -> dict[str, Any]:
    """The OpenAPI document of every API module's paths."""
    return openapi.document(
        events_api.paths,
        recommendations_api.paths,
        catalog_api.paths,
        orders_api.paths,
        integration_api.paths,
        invoices_api.paths,
        snippet_api.paths,
        admin_api.paths,
        health.paths,
        openapi.paths,
        version=__version__,
        # The only operations that answer without the store.
        without_store=("/healthz", "/metrics", "/openapi.json", "/js/{name}", "/demo/"),
    )


def create_app(
    settings: Settings | None = None,
    store_client: Any | None = None,
    build_models: BuildModels | None = None,
) -> FastLaneApp:
    """The Basketlift HTTP app.

    With `store_client` given (a redis.asyncio client) the app uses it and never closes it;
    otherwise it connects to `settings.redis_url`, or starts the embedded store.
    `build_models` makes a model version ready to serve, in a background thread (a seam
    for tests; by default `load_engine_models`).
    """
    settings = settings or Settings.from_env(os.environ)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            client = store_client
            if client is None:
                url = settings.redis_url
                if url is None:
                    # Supervised: `/healthz` fails once its restarts are given up.
                    store = EmbeddedStore(settings.data_dir, restarts=settings.store_restarts)
                    url = store.start()
                    stack.callback(store.stop)
                client = await connect(url)
                stack.push_async_callback(client.aclose)
            services = await Services.build(settings, client, metrics)
            app.state.services = services
            # What `/healthz` watches: the embedded server, unless a client was handed in.
            app.state.embedded_folder = (
                health.embedded_folder(settings) if store_client is None else None
            )
            app.state.serving = serving = await Serving.build(services, build_models)
            stack.push_async_callback(await serving.start_warm_up(services))
            if settings.consumers == "in-process":
                stack.push_async_callback(start_consumers(client, settings))
            _tune_garbage_collector()
            yield

    return FastLaneApp(
        # Most requests: served ahead of the middleware stack (widget/platform/fast_lane.py).
        fast_route=recommendations_api.route,
        metrics=metrics,
        # The router tries routes in order: the most frequent requests first.
        routes=[
            recommendations_api.route,
            *events_api.routes,
            *catalog_api.routes,
            *orders_api.routes,
            *integration_api.routes,
            *invoices_api.routes,
            *snippet_api.routes(),
            *dashboard.routes,
            *admin_api.routes,
            *health.routes,
            openapi.openapi_route(api_document()),
        ],
        middleware=[Middleware(LatencyMiddleware, metrics=metrics), compression.middleware],
        exception_handlers={
            ApiError: _api_error,
            ShopError: _shop_error,
            HTTPException: _http_error,
            **dict.fromkeys(STORE_ERRORS, _store_failure),
            500: _server_error,
        },
        lifespan=lifespan,
    )
