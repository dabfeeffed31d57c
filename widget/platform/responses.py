"""JSON responses, and the one shape of every error: what was wrong, with which field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import JSONResponse, Response
from starlette.types import Send

# Seconds a client waits before trying again when the store is unavailable (any 503).
RETRY_AFTER_SECONDS = 5


class FastJSONResponse(JSONResponse):
    """A JSON response serialised with orjson."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def cors_headers(origin: str | None) -> dict[str, str]:
    """The CORS headers of an answer to a browser's request from `origin`, if any."""
    if not origin:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": "Retry-After",
        "Vary": "Origin",
    }


async def send_json(send: Send, content: Any, headers: Mapping[str, str]) -> None:
    """Send what `FastJSONResponse(content, headers=headers)` sends, without building it."""
    body = orjson.dumps(content)
    raw = [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    ]
    raw += [(b"content-length", b"%d" % len(body)), (b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def error_code(error: Exception) -> str:
    """`TooManyEvents` -> `too_many_events`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(error).__name__).lower()


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """`{"error": {"status", "code", "message", "field"}}` with the given status; a 503
    always says when to try again (`Retry-After`)."""
    if status == 503:
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS), **(headers or {})}
    body: dict[str, Any] = {"status": status, "code": code, "message": message}
    if field is not None:
        body["field"] = field
    return FastJSONResponse({"error": body}, status_code=status, headers=headers)


class ApiError(Exception):
    """Raised by handlers; rendered by the app as `error_response`."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


async def json_object(request: Any, limit: int = 64 * 1024) -> dict[str, Any]:
    """The request body as a JSON object, or a 400/413 `ApiError` saying why not."""
    body = await request.body()
    if len(body) > limit:
        raise ApiError(413, "payload_too_large", f"the body has more than {limit} bytes")
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise ApiError(400, "malformed_body", f"the body is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_body", "the body must be a JSON object")
    return data
