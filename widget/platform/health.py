"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from widget.platform.auth import bearer_matches
from widget.platform.embedded import LOG_NAME, EmbeddedStore, answers_or_is_supervised
from widget.platform.metrics import CONTENT_TYPE
from widget.platform.openapi import METRICS_TOKEN, error, json_body
from widget.platform.responses import RETRY_AFTER_SECONDS, ApiError, FastJSONResponse
from widget.platform.services import services
from widget.platform.settings import Settings
from widget.platform.store import accepts_writes
from widget.platform.store_errors import STORE_ERRORS, is_store_failure


def embedded_folder(settings: Settings) -> Path | None:
    """The data folder when the configured store is its embedded server (started by the
    app, or by `basketlift serve`, which hands its workers the server's URL)."""
    if settings.redis_url in (None, EmbeddedStore(settings.data_dir).url):
        return settings.data_dir
    return None


async def healthz(request: Request) -> Response:
    """The process is up and can recover by itself: 503 once the embedded store died and
    no process restarts it any longer (restart this process)."""
    folder: Path | None = request.app.state.embedded_folder
    if folder is not None and not await asyncio.to_thread(answers_or_is_supervised, folder):
        reason = f"the embedded store is down and was given up; see {folder / LOG_NAME}"
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        body = {"status": "failing", "reason": reason}
        return FastJSONResponse(body, status_code=503, headers=headers)
    return FastJSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """The shops' current models are loaded, and the store answers and accepts writes;
    503 with the reason when not."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if not services(request).warmed_up.is_set():
        body = {"status": "starting", "reason": "loading the shops' current models"}
        return FastJSONResponse(body, status_code=503, headers=headers)
    try:
        await accepts_writes(services(request).redis)
    except STORE_ERRORS as error:
        if not is_store_failure(error):
            raise
        body = {"status": "unavailable", "reason": str(error)}
        return FastJSONResponse(body, status_code=503, headers=headers)
    return FastJSONResponse({"status": "ready"})


async def metrics(request: Request) -> Response:
    """Prometheus text format: events per shop, refused batches, request latency.

    Shop ids are not for everyone: the metrics or the admin token must come along."""
    settings = services(request).settings
    tokens = [t for t in (settings.metrics_token, settings.admin_token) if t is not None]
    if not tokens:
        raise ApiError(
            403, "metrics_disabled", "set BASKETLIFT_METRICS_TOKEN (or the admin token) to see them"
        )
    if not any(bearer_matches(request, token) for token in tokens):
        raise ApiError(401, "unauthorized", "send Authorization: Bearer <metrics or admin token>")
    return Response(services(request).metrics.exposition(), media_type=CONTENT_TYPE)


routes = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
]


paths = {
    "/healthz": {
        "get": {
            "summary": "The process is up and can recover by itself",
            "responses": {
                "200": json_body({"type": "object"}),
                "503": json_body({"type": "object"}, "The embedded store was given up"),
            },
        }
    },
    "/readyz": {
        "get": {
            "summary": "The shops' models are loaded and the store answers and accepts writes",
            "responses": {
                "200": json_body({"type": "object"}),
                "503": json_body(
                    {"type": "object"},
                    "Still loading the models at start, or the store does not answer or "
                    "refuses writes",
                ),
            },
        }
    },
    "/metrics": {
        "get": {
            "summary": "Prometheus metrics",
            "security": METRICS_TOKEN,
            "responses": {
                "200": {"description": "Prometheus text format", "content": {"text/plain": {}}},
                "401": error("Missing or wrong metrics or admin token"),
                "403": error("No metrics or admin token is configured"),
            },
        }
    },
}
