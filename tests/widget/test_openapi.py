from __future__ import annotations

from starlette.routing import Route
from starlette.testclient import TestClient

from widget.app import create_app
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
