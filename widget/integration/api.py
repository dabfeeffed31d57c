"""`GET /v1/integration/check`: the checks of the last hour as JSON, and its OpenAPI entry."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tracker.schema import format_timestamp
from widget.integration.checks import run_checks
from widget.integration.observed import WINDOW, observe
from widget.platform.auth import authenticated_shop
from widget.platform.openapi import SECRET_KEY, error, json_body
from widget.platform.responses import FastJSONResponse
from widget.platform.services import services


async def integration_check(request: Request) -> Response:
    """What arrived in the last hour and what is wrong, as checks with a status each."""
    shop = await authenticated_shop(request)
    now = datetime.now(UTC)
    checks = run_checks(await observe(services(request).redis, shop.id, now))
    return FastJSONResponse(
        {
            "window": {"from": format_timestamp(now - WINDOW), "to": format_timestamp(now)},
            "ok": all(check.status != "error" for check in checks),
            "checks": [check.as_dict() for check in checks],
        }
    )


routes = [Route("/v1/integration/check", integration_check, methods=["GET"])]

_CHECK = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "status": {"type": "string", "enum": ["ok", "warning", "error"]},
        "message": {"type": "string"},
        "details": {"type": "object"},
    },
}
paths = {
    "/v1/integration/check": {
        "get": {
            "summary": "Check the shop's integration over the last hour",
            "description": str(integration_check.__doc__),
            "security": SECRET_KEY,
            "responses": {
                "200": json_body(
                    {
                        "type": "object",
                        "properties": {
                            "window": {"type": "object"},
                            "ok": {"type": "boolean"},
                            "checks": {"type": "array", "items": _CHECK},
                        },
                    }
                ),
                "401": error("No valid secret key"),
            },
        }
    }
}
