"""Prometheus metrics of one app: events per shop, refused batches, request latency.

With several worker processes, each scrape reaches one of them: `summed_across_workers`
puts them in prometheus-client's multiprocess mode, where every worker writes its values
to files of a shared folder and every scrape sums the files of all workers, live or dead
(a counter of a worker that was restarted keeps counting in the sum).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# prometheus-client's own variable: read when it is imported, so set before workers start.
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def summed_across_workers(folder: Path) -> Iterator[None]:
    """Worker processes started meanwhile share their metrics through `folder`, emptied
    first and removed after (unless the operator set PROMETHEUS_MULTIPROC_DIR already)."""
    if MULTIPROCESS_DIR in os.environ:
        yield
        return
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700, parents=True)
    os.environ[MULTIPROCESS_DIR] = str(folder)
    try:
        yield
    finally:
        del os.environ[MULTIPROCESS_DIR]
        shutil.rmtree(folder, ignore_errors=True)


class Metrics:
    """The app's own registry, so that several apps in one process never share counters."""

    def __init__(self) -> None:
        # `_created` series only double the output; nothing reads them.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = CollectorRegistry()
        self._shared_folder = os.environ.get(MULTIPROCESS_DIR)
        self._children: dict[str, tuple[Counter, Counter, Counter]] = {}
        self._request_children: dict[tuple[str, str, int], Histogram] = {}
        self.events_accepted = Counter(
            "basketlift_events_accepted",
            "Events appended to a shop's stream.",
            ["shop"],
            registry=self.registry,
        )
        self.events_rejected = Counter(
            "basketlift_events_rejected",
            "Events sent to a shop's dead-letter stream.",
            ["shop"],
            registry=self.registry,
        )
        self.events_duplicated = Counter(
            "basketlift_events_duplicated",
            "Events dropped as already received.",
            ["shop"],
            registry=self.registry,
        )
        self.batches_refused = Counter(
            "basketlift_event_batches_refused",
            "Event requests refused as a whole.",
            ["status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "basketlift_http_request_duration_seconds",
            "Time to answer an HTTP request.",
            ["method", "route", "status"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry,
        )

    def count_events(self, shop: str, accepted: int, duplicated: int, rejected: int) -> None:
        # Label children are cached: `labels()` takes a lock and builds a key each call.
        children = self._children.get(shop)
        if children is None:
            children = self._children[shop] = (
                self.events_accepted.labels(shop),
                self.events_duplicated.labels(shop),
                self.events_rejected.labels(shop),
            )
        for child, amount in zip(children, (accepted, duplicated, rejected), strict=True):
            if amount:
                child.inc(amount)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        # Cached as in `count_events`: every request comes here.
        child = self._request_children.get((method, route, status))
        if child is None:
            child = self._request_children[method, route, status] = self.request_seconds.labels(
                method, route, str(status)
            )
        child.observe(seconds)

    def exposition(self) -> bytes:
        """The text of a scrape: this app's values, or every worker's summed."""
        if self._shared_folder is None:
            return generate_latest(self.registry)
        summed = CollectorRegistry()
        MultiProcessCollector(summed, self._shared_folder)  # type: ignore[no-untyped-call]
        return generate_latest(summed)


class LatencyMiddleware:
    """Records each HTTP request's duration by its route template (not its raw path)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await timed(self.app, self.metrics, scope, receive, send)


async def timed(app: ASGIApp, metrics: Metrics, scope: Scope, receive: Receive, send: Send) -> None:
    """Run `app` on one HTTP request and record its duration and status, under the
    template of the route that `scope["route"]` names once routed."""
    started = time.perf_counter()
    status = 500

    async def send_with_status(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        await send(message)

    try:
        await app(scope, receive, send_with_status)
    finally:
        route: BaseRoute | None = scope.get("route")
        template = getattr(route, "path", "unmatched")
        metrics.observe_request(scope["method"], template, status, time.perf_counter() - started)
