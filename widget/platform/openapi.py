"""The OpenAPI 3.1 document of the HTTP API, served at `/openapi.json`.

Each API module documents its own paths in a `paths` dict beside its routes; this
module merges them and adds the shared parts. A test checks that every route of the app
is documented and every documented operation is routed.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from widget.platform.responses import FastJSONResponse

ERROR = {"$ref": "#/components/schemas/Error"}
SECRET_KEY: list[dict[str, list[str]]] = [{"secretKey": []}]
ADMIN_TOKEN: list[dict[str, list[str]]] = [{"adminToken": []}]
METRICS_TOKEN: list[dict[str, list[str]]] = [{"metricsToken": []}, {"adminToken": []}]


def error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


def json_body(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def json_request(
    properties: dict[str, Any], required: tuple[str, ...] = (), body_required: bool = True
) -> dict[str, Any]:
    """A JSON request body of an object with these properties."""
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return {"required": body_required, "content": {"application/json": {"schema": schema}}}


def query(name: str, description: str, required: bool = False, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": {"type": "string"} | schema,
    }


def path_parameter(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"} | (schema or {"minLength": 1, "maxLength": 128}),
    }


COMPONENTS: dict[str, Any] = {
    "schemas": {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["status", "code", "message"],
                    "properties": {
                        "status": {"type": "integer"},
                        "code": {"type": "string", "description": "e.g. too_many_events"},
                        "message": {"type": "string", "description": "what was wrong, in words"},
                        "field": {"type": "string", "description": "the field at fault"},
                    },
                }
            },
        }
    },
    "securitySchemes": {
        "secretKey": {
            "type": "http",
            "scheme": "bearer",
            "description": "The shop's secret API key (sk_...), for its backend only.",
        },
        "adminToken": {
            "type": "http",
            "scheme": "bearer",
            "description": "BASKETLIFT_ADMIN_TOKEN.",
        },
        "metricsToken": {
            "type": "http",
            "scheme": "bearer",
            "description": "BASKETLIFT_METRICS_TOKEN, for GET /metrics only.",
        },
    },
}


RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before sending again",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }
}
# Answers that tell the client to come back: a rate limit, a store that is unavailable.
_RETRIED = ("429", "503")


def store_unavailable() -> dict[str, Any]:
    return error("The store is unavailable or refuses writes: send again after Retry-After")


def _with_retry_after(operation: dict[str, Any], uses_store: bool) -> dict[str, Any]:
    """The operation with a 503 when it uses the store (every store failure is one, see
    `widget.platform.store_errors`), and `Retry-After` on its 429 and 503."""
    responses = dict(operation["responses"])
    if uses_store:
        responses.setdefault("503", store_unavailable())
    for status in _RETRIED:
        if status in responses:
            responses[status] = responses[status] | {"headers": RETRY_AFTER}
    return operation | {"responses": responses}


def document(
    *path_groups: dict[str, Any], version: str, without_store: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The document of these paths; those in `without_store` never read the store."""
    paths: dict[str, Any] = {}
    for group in path_groups:
        for path, operations in group.items():
            paths.setdefault(path, {}).update(
                {
                    method: _with_retry_after(operation, path not in without_store)
                    for method, operation in operations.items()
                }
            )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Basketlift",
            "version": version,
            "description": "Recommendation widgets for online shops, paid from measured uplift.",
        },
        "paths": dict(sorted(paths.items())),
        "components": COMPONENTS,
    }


def openapi_route(spec: dict[str, Any]) -> Route:
    async def openapi(request: Request) -> Response:
        """This document."""
        return FastJSONResponse(spec)

    return Route("/openapi.json", openapi, methods=["GET"])


paths = {
    "/openapi.json": {
        "get": {
            "summary": "This OpenAPI document",
            "responses": {"200": json_body({"type": "object"})},
        }
    }
}
