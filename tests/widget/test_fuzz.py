"""Fuzzing the whole HTTP API from its OpenAPI document: no input gives a 5xx.

Cases come from schemathesis's strategies for each documented operation, sent to a
real `basketlift serve` over HTTP. (Its pytest plugin does not run under pytest 9 yet,
so the test drives the strategies with hypothesis directly.)
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.conftest import ADMIN_TOKEN
from tests.servers import Server

pytestmark = pytest.mark.slow
EXAMPLES = int(os.environ.get("BASKETLIFT_FUZZ_EXAMPLES", "25"))


def test_no_input_gives_a_server_error(tmp_path: Any, store_url: str) -> None:
    server = Server(tmp_path / "fuzz", {"BASKETLIFT_REDIS_URL": store_url})
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    try:
        schema = schemathesis.openapi.from_url(f"http://127.0.0.1:{server.port}/openapi.json")
        for result in schema.get_all_operations():
            operation: Any = result.ok()  # type: ignore[union-attr]  # an invalid schema raises

            @given(case=operation.as_strategy())
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case: Any) -> None:
                response = case.call(headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path}: {response.text[:200]}")

            check()
    finally:
        server.stop()
    assert failures == []
    # The fuzzing reached the handlers: both refusals and successes were seen.
    assert sum(n for code, n in statuses.items() if code < 300) > 0, statuses
    assert sum(n for code, n in statuses.items() if 400 <= code < 500) > 0, statuses
