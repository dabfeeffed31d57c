from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.conftest import ADMIN_TOKEN


@pytest.mark.parametrize(
    "given",
    ["a" * len(ADMIN_TOKEN), ADMIN_TOKEN[:-1], ADMIN_TOKEN + "x", ADMIN_TOKEN.upper(), ""],
)
def test_only_the_whole_admin_token_opens_the_admin_api(client: TestClient, given: str) -> None:
    response = client.get("/v1/admin/shops", headers={"Authorization": f"Bearer {given}"})
    assert response.status_code == 401


def test_the_admin_token_opens_the_admin_api(client: TestClient) -> None:
    response = client.get("/v1/admin/shops", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert response.status_code == 200
