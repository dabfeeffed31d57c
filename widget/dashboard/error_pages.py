"""The dashboard's errors as pages for browsers: a 404 at a dashboard address, a refused
method, the store unavailable, a bug. A client that does not ask for HTML (`Accept`
without text/html: the API's clients, curl) keeps the API's JSON error.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from widget.dashboard.access import problem

MESSAGES = {
    404: "There is no page at this address.",
    405: "This page cannot be opened that way: follow a link or a button to it.",
    500: "Something went wrong on our side. It is logged; please try again in a moment.",
    503: "The dashboard cannot reach its data for a moment. Please try again shortly.",
}


def wants_page(request: Request) -> bool:
    """A browser asking for a dashboard address."""
    path = request.url.path
    at_dashboard = path == "/dashboard" or path.startswith("/dashboard/")
    return at_dashboard and "text/html" in request.headers.get("accept", "")


def error_page(status: int, headers: Mapping[str, str] | None = None) -> Response:
    response = problem(status, MESSAGES.get(status, "This request could not be answered."))
    response.headers.update(headers or {})
    return response
