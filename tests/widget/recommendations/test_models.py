"""Trained models reach the recommendations: real OTTO sessions, `train`, then requests."""

from __future__ import annotations

import time
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from engine.artifacts import Artifact
from tests.conftest import ORIGIN, admin_headers, set_holdout_share
from tests.engine.samples import otto_events
from tests.widget.catalog.samples import as_ndjson
from widget.cli import main
from widget.platform.settings import Settings
from widget.recommendations.models import load_engine_models

EVENTS = otto_events()


def otto_catalogue() -> list[dict[str, Any]]:
    """OTTO's sample has product ids only: their display fields are made up here."""
    ids = sorted({e["properties"]["product_id"] for e in EVENTS if "product_id" in e["properties"]})
    return [
        {
            "product_id": i,
            "title": f"OTTO article {i}",
            "url": f"https://shop.example/a/{i}",
            "price": "9.99",
            "currency": "EUR",
            "in_stock": True,
        }
        for i in ids
    ]


@pytest.fixture
def trained_shop(client: TestClient, settings: Settings) -> dict[str, Any]:
    shop: dict[str, Any] = client.post(
        "/v1/admin/shops",
        json={"name": "Otto", "id": "otto", "origins": [ORIGIN]},
        headers=admin_headers(),
    ).json()
    secret = {"Authorization": f"Bearer {shop['secret_key']}"}
    client.put(
        "/v1/catalog",
        content=as_ndjson(otto_catalogue()),
        headers=secret | {"Content-Type": "application/x-ndjson"},
    )
    for start in range(0, len(EVENTS), 200):
        body = {"site_key": shop["site_key"], "events": EVENTS[start : start + 200]}
        assert client.post("/v1/events", json=body).json()["rejected"] == []
    set_holdout_share(client, "otto", 0.01)
    env = {
        "BASKETLIFT_REDIS_URL": str(settings.redis_url),
        "BASKETLIFT_DATA_DIR": str(settings.data_dir),
    }
    result = CliRunner().invoke(main, ["train", "--shop", "otto"], env=env)
    assert result.exit_code == 0, result.output
    return shop


def current_artifact(client: TestClient) -> Artifact:
    models = client.app.state.services.models  # type: ignore[attr-defined]
    portal: Any = client.portal
    found: Artifact = portal.call(models.load, "otto", portal.call(models.current_version, "otto"))
    return found


def test_the_trained_version_is_built_with_its_session_models(
    client: TestClient, trained_shop: dict[str, Any]
) -> None:
    artifact = current_artifact(client)
    loaded = load_engine_models(artifact)
    assert loaded.version == artifact.version and loaded.session is not None
    assert loaded.item_ids.names == artifact.arrays["item_ids"].tolist()


def test_a_repeated_context_is_answered_from_memory(
    client: TestClient, trained_shop: dict[str, Any]
) -> None:
    artifact = current_artifact(client)
    loaded = load_engine_models(artifact)
    session = [e["properties"]["product_id"] for e in EVENTS[:3] if "product_id" in e["properties"]]
    first = loaded.after_session(session, 24)
    assert first and loaded.answers_kept() == 1
    assert loaded.after_session(list(session), 24) is first
    # What is remembered is what the models say: a fresh load computes the same answer.
    fresh = load_engine_models(artifact)
    assert fresh.after_session(session, 24) == first
    assert loaded.after_session(session, 100)[: len(first)] == first
    loaded.deep_after_session(session, 24)
    assert loaded.answers_kept() == 3


def test_recommendations_come_from_the_trained_models(
    client: TestClient, trained_shop: dict[str, Any], settings: Settings
) -> None:
    session = [e for e in EVENTS if e["session_id"] == EVENTS[0]["session_id"]]
    viewed = session[0]["properties"]["product_id"]
    query = {
        "site_key": trained_shop["site_key"],
        "anonymous_id": session[0]["anonymous_id"],
        "session_id": "new-visit",
        "placement": ["product", "home", "basket", "longtail"],
        "product_id": viewed,
        "cart": viewed,
    }
    body = wait_for(
        lambda: client.get("/v1/recommendations", params=query).json(),
        lambda b: any(
            i["reason"].startswith(("viewed", "bought", "you", "seen"))
            for i in b["recommendations"][0]["items"]
        ),
    )
    reasons = {
        s["placement"]: {i["reason"].split(" ")[0] for i in s["items"]}
        for s in body["recommendations"]
    }
    assert reasons["home"] & {"you"}, reasons
    assert all(len(s["items"]) == 8 for s in body["recommendations"]), reasons


def wait_for(fetch: Any, done: Any, seconds: float = 10) -> Any:
    """The server picks up a new model version within its cache time; tests wait for it."""
    deadline = time.monotonic() + seconds
    while True:
        found = fetch()
        if done(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.2)
