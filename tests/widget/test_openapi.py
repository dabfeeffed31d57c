from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from starlette.routing import Route
from starlette.testclient import TestClient

from tests.conftest import app_on_its_own_store
from widget.app import api_document, create_app
from widget.platform.settings import Settings


def routed_operations(settings: Settings) -> set[tuple[str, str]]:
    app = create_app(settings)
    return {
        (route.path, method.lower())
        for route in app.routes
        # HTML pages of the dashboard are not part of the API.
        if isinstance(route, Route) and not route.path.startswith("/dashboard/")
        for method in route.methods or ()
        if method != "HEAD"
    }


def test_every_route_is_documented_and_every_operation_routed(
    client: TestClient, settings: Settings
) -> None:
    spec = client.get("/openapi.json").json()
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert documented == routed_operations(settings)


def test_every_operation_has_a_summary_and_responses(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation["summary"] and operation["responses"], (method, path)


# The snippet's files need no store, yet answer 503 until the snippet is built.
SNIPPET = ("/js/{name}", "/demo/")


def operation(path: str, method: str) -> Any:
    """The documented operation, as schemathesis reads the document."""
    return schemathesis.openapi.from_dict(api_document())[path][method]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PATCH", "/v1/catalog", "GET, HEAD, PUT"),
        ("POST", "/v1/catalog/85123A", "DELETE, GET, HEAD"),
        ("DELETE", "/v1/admin/shops/any/config", "GET, HEAD, PUT"),
        ("PUT", "/v1/admin/shops/any/origins", "DELETE, POST"),
        ("GET", "/v1/events", "OPTIONS, POST"),
    ],
)
def test_a_405_names_every_method_of_its_path(
    client: TestClient, method: str, path: str, allowed: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_every_operation_on_the_store_documents_its_503_with_retry_after(
    client: TestClient,
) -> None:
    spec = client.get("/openapi.json").json()
    storeless = {"/metrics", "/openapi.json", "/js/{name}", "/demo/"}
    retried = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            # `/healthz` answers 503 when the embedded store was given up.
            assert ("503" in responses) == (path not in storeless or path in SNIPPET), (
                method,
                path,
            )
            for status in ("429", "503"):
                if status in responses:
                    retried += 1
                    header = responses[status]["headers"]["Retry-After"]
                    assert header["required"] and header["schema"]["type"] == "integer"
    assert "429" in spec["paths"]["/v1/events"]["post"]["responses"]
    assert retried == 30


def test_a_store_failure_is_a_503_with_retry_after(settings: Any, tmp_path: Any) -> None:
    with app_on_its_own_store(settings, tmp_path / "store") as (client, created, store):
        store.stop()
        secret = {"Authorization": f"Bearer {created['secret_key']}"}
        response = client.get("/v1/catalog", headers=secret)
    assert (response.status_code, response.headers["retry-after"]) == (503, "5")
    assert response.json()["error"]["code"] == "store_unavailable"
