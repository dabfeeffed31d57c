"""A retraining that fails keeps serving the old model, and the dashboard says why.

The shop is trained by `basketlift train` (real OTTO sessions), then retrained by the
scheduler in a real child process that is killed at its time limit: the server goes on
answering with the same version, and the catalogue page shows the failure and its reason.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import make_event
from tests.widget.conftest import PASSWORD, log_in
from tests.widget.recommendations.test_models import (
    EVENTS,
    trained_shop,  # noqa: F401 (a fixture)
    wait_for,
)
from tests.widget.retraining.helpers import HOUR, Clock
from widget.app import create_app
from widget.dashboard.accounts import Accounts
from widget.platform.settings import Settings
from widget.recommendations.models import EngineModels
from widget.retraining import ChildProcessTrainer, RetrainingScheduler, RetrainPolicy, read_status

SHOP = "otto"


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app over HTTPS, so that the dashboard's Secure session cookie is sent."""
    with TestClient(create_app(settings), base_url="https://testserver") as test_client:
        yield test_client


def recommended(client: TestClient, site_key: str) -> list[str]:
    viewed = EVENTS[0]["properties"]["product_id"]
    query = {
        "site_key": site_key,
        "anonymous_id": "new-visitor",
        "session_id": "new-visit",
        "placement": "product",
        "product_id": viewed,
    }
    body = wait_for(
        lambda: client.get("/v1/recommendations", params=query).json(),
        lambda b: b["recommendations"][0]["items"][0]["reason"].startswith("viewed"),
    )
    return [item["product_id"] for item in body["recommendations"][0]["items"]]


def served_version(client: TestClient) -> str:
    serving: Any = client.app.state.serving  # type: ignore[attr-defined]
    # Load again from what training left in the store, as the next check would.
    models = client.portal.call(serving.models.reload, SHOP)  # type: ignore[union-attr]
    assert isinstance(models, EngineModels)
    return models.version


def test_a_retraining_that_fails_keeps_serving_the_old_model(
    client: TestClient,
    trained_shop: dict[str, Any],  # noqa: F811
    settings: Settings,
) -> None:
    portal: Any = client.portal
    store = client.app.state.services.redis  # type: ignore[attr-defined]
    before = recommended(client, trained_shop["site_key"])
    version = served_version(client)
    assert portal.call(read_status, store, SHOP).version == version  # recorded by `train`

    body = {"site_key": trained_shop["site_key"], "events": [make_event()]}
    assert client.post("/v1/events", json=body).json()["accepted"] == 1
    # Killed at its time limit: the child is still starting when 0.2 s have passed.
    trainer = ChildProcessTrainer(
        str(settings.redis_url),
        settings.model_versions_kept,
        settings.archive_location,
        time_limit_s=0.2,
    )
    policy = RetrainPolicy(every_s=24 * HOUR, after_entries=0)
    scheduler = RetrainingScheduler(store, policy, trainer, Clock(time.time() + 25 * HOUR))
    [outcome] = portal.call(scheduler.run_once)
    reason = "the training did not finish within 0.2 s and was stopped"
    assert (outcome.result, outcome.reason) == (None, reason)

    assert recommended(client, trained_shop["site_key"]) == before
    assert served_version(client) == version

    async def member() -> None:
        accounts = Accounts(store)
        user = await accounts.create_user("a@otto.example", PASSWORD)
        await accounts.add_member(SHOP, user, "admin")

    portal.call(member)
    log_in(client, "a@otto.example")
    page = client.get(f"/dashboard/shops/{SHOP}/catalogue").text
    assert "The last attempt, on " in page and f"failed: {reason}." in page
    assert "The version above is still served; the next attempt is at " in page
    assert f"version {version}, 857 events" in page  # the last success
