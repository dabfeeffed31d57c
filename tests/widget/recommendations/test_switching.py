"""New model versions reach every server, and no visitor waits while one is loaded.

Two versions told apart by their answers: the first is trained on sessions of the `old-`
products only, the second also on sessions of the `new-` products, so that recommendations
for `new-1` come from the models only once the second version is served.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx2
import numpy as np
import pytest
from starlette.testclient import TestClient

from engine.artifacts import Artifact
from engine.model_store import ModelStore
from engine.sessions import ItemIds
from engine.training import train_shop
from tests.conftest import ORIGIN, admin_headers, set_holdout_share
from tests.servers import Server
from tests.widget.catalog.samples import as_ndjson
from tests.widget.placements.traffic import SMALL_TRAINING
from widget.app import create_app
from widget.platform.settings import Settings
from widget.platform.store import connect
from widget.recommendations.models import EngineModels, load_engine_models

SHOP = "switch"
PRODUCTS = [f"old-{i}" for i in range(1, 7)] + [f"new-{i}" for i in range(1, 7)]
FALLBACK_REASONS = {"trending", "popular in this category", "from the catalogue"}
CHECK_S = 0.5
# What loading these small models takes, their serving paths compiled once on the machine.
LOAD_S = 10.0


def product_events(prefix: str, sessions: int) -> list[dict[str, Any]]:
    events = []
    for session in range(sessions):
        for step in range(1, 7):
            events.append(
                {
                    "event_id": str(uuid.uuid4()),
                    "type": "Product Viewed",
                    "anonymous_id": f"{prefix}-visitor-{session}",
                    "session_id": f"{prefix}-session-{session}",
                    "timestamp": f"2026-11-23T10:{session:02d}:{step:02d}Z",
                    "properties": {"product_id": f"{prefix}-{(session + step) % 6 + 1}"},
                    "context": {"page": {"url": "https://shop.example/", "referrer": ""}},
                }
            )
    return events


def open_shop(client: TestClient) -> str:
    """The shop with its catalogue and the `old-` sessions; returns its site key."""
    shop: dict[str, Any] = client.post(
        "/v1/admin/shops",
        json={"name": "Switch", "id": SHOP, "origins": [ORIGIN]},
        headers=admin_headers(),
    ).json()
    rows = [
        {"product_id": p, "title": p, "url": f"https://shop.example/{p}", "price": "5.00"}
        for p in PRODUCTS
    ]
    headers = {"Authorization": f"Bearer {shop['secret_key']}"}
    client.put(
        "/v1/catalog",
        content=as_ndjson([row | {"currency": "EUR", "in_stock": True} for row in rows]),
        headers=headers | {"Content-Type": "application/x-ndjson"},
    )
    send(client, shop["site_key"], "old")
    set_holdout_share(client, SHOP, 0.01)
    return str(shop["site_key"])


def send(client: TestClient, site_key: str, prefix: str) -> None:
    body = {"site_key": site_key, "events": product_events(prefix, 30)}
    assert client.post("/v1/events", json=body).json()["rejected"] == []


def train(settings: Settings) -> str:
    async def run() -> str:
        store = await connect(str(settings.redis_url))
        try:
            models = ModelStore(store)
            return (await train_shop(store, SHOP, models, settings=SMALL_TRAINING)).version
        finally:
            await store.aclose()

    return asyncio.run(run())


def query(site_key: str, product: str) -> dict[str, Any]:
    return {
        "site_key": site_key,
        "anonymous_id": "visitor-treated",
        "session_id": str(uuid.uuid4()),
        "placement": "product",
        "product_id": product,
    }


def from_models(body: dict[str, Any]) -> bool:
    items = body["recommendations"][0]["items"]
    return any(item["reason"] not in FALLBACK_REASONS for item in items)


def on_app(client: TestClient, function: Any, *args: Any) -> Any:
    """`function(*args)` awaited on the app's event loop."""
    portal: Any = client.portal
    return portal.call(function, *args)


def model_store(client: TestClient) -> ModelStore:
    found: ModelStore = client.app.state.services.models  # type: ignore[attr-defined]
    return found


def served_version(client: TestClient) -> str | None:
    serving = client.app.state.serving  # type: ignore[attr-defined]
    models = on_app(client, serving.models.get, SHOP)
    return models.version if isinstance(models, EngineModels) else None


def test_two_servers_on_separate_folders_serve_a_new_version_within_the_bound(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    site_key = open_shop(client)
    first = train(settings)
    # Compile the serving paths once on this machine, as any earlier start would have.
    artifact = on_app(client, model_store(client).load, SHOP, first)
    load_engine_models(artifact)
    env = {"BASKETLIFT_REDIS_URL": str(settings.redis_url)}
    env["BASKETLIFT_MODEL_CHECK_SECONDS"] = str(CHECK_S)
    servers = [Server(tmp_path / name, env) for name in ("one", "two")]
    try:
        for server in servers:
            # Ready only once the current models are loaded: the first request has them.
            old = server.http.get("/v1/recommendations", params=query(site_key, "old-1")).json()
            assert old["arm"] == "treatment" and from_models(old)
            assert not from_models(
                server.http.get("/v1/recommendations", params=query(site_key, "new-1")).json()
            )
        send(client, site_key, "new")
        train(settings)
        saved = time.monotonic()
        waits = [serving_new(server.http, site_key, saved) for server in servers]
    finally:
        for server in servers:
            server.stop()
    assert all(wait < CHECK_S + LOAD_S for wait in waits), waits
    assert not (tmp_path / "one" / "models").exists()


def serving_new(http: httpx2.Client, site_key: str, since: float) -> float:
    """Seconds from `since` until the server answers `new-1` from its models."""
    while time.monotonic() - since < CHECK_S + LOAD_S:
        if from_models(http.get("/v1/recommendations", params=query(site_key, "new-1")).json()):
            break
        time.sleep(0.05)
    return time.monotonic() - since


def test_requests_during_a_slow_switch_are_answered_at_once_by_the_old_models(
    settings: Settings,
) -> None:
    building, release = threading.Event(), threading.Event()
    release.set()

    def slow_build(artifact: Artifact) -> EngineModels:
        models = load_engine_models(artifact)
        building.set()
        assert release.wait(timeout=60)
        return models

    quick = replace(settings, model_check_seconds=CHECK_S)
    with TestClient(create_app(quick, build_models=slow_build)) as client:
        site_key = open_shop(client)
        first = train(settings)
        deadline = time.monotonic() + LOAD_S
        while served_version(client) != first and time.monotonic() < deadline:
            time.sleep(0.05)
        assert served_version(client) == first

        release.clear()
        building.clear()
        send(client, site_key, "new")
        second = train(settings)
        deadline = time.monotonic() + LOAD_S
        # A request that finds the check expired starts the switch; it does not wait for it.
        while not building.wait(timeout=0.05):
            assert time.monotonic() < deadline
            client.get("/v1/recommendations", params=query(site_key, "old-1"))

        def visit(product: str) -> tuple[float, dict[str, Any]]:
            started = time.perf_counter()
            body = client.get("/v1/recommendations", params=query(site_key, product)).json()
            return time.perf_counter() - started, body

        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(visit, ["old-1", "new-1"] * 20))
        assert served_version(client) == first
        slowest = max(seconds for seconds, _ in answers)
        assert slowest < 0.5, slowest
        assert all(from_models(body) for seconds, body in answers[::2])
        assert not any(from_models(body) for seconds, body in answers[1::2])

        release.set()
        deadline = time.monotonic() + LOAD_S
        while served_version(client) != second and time.monotonic() < deadline:
            client.get("/v1/recommendations", params=query(site_key, "new-1"))
            time.sleep(0.05)
        assert served_version(client) == second
        assert from_models(
            client.get("/v1/recommendations", params=query(site_key, "new-1")).json()
        )


def test_a_version_that_fails_to_load_keeps_the_old_models(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    def failing_build(artifact: Artifact) -> EngineModels:
        if artifact.metadata["events"] > 180:
            raise ValueError("a broken artifact")
        return load_engine_models(artifact)

    quick = replace(settings, model_check_seconds=CHECK_S)
    with TestClient(create_app(quick, build_models=failing_build)) as client:
        site_key = open_shop(client)
        first = train(settings)
        deadline = time.monotonic() + LOAD_S
        while served_version(client) != first and time.monotonic() < deadline:
            time.sleep(0.05)
        send(client, site_key, "new")
        second = train(settings)
        deadline = time.monotonic() + 3 * CHECK_S
        while f"loading models {second} failed" not in caplog.text:
            assert time.monotonic() < deadline
            client.get("/v1/recommendations", params=query(site_key, "old-1"))
            time.sleep(0.05)
        assert served_version(client) == first
        assert "ValueError: a broken artifact" in caplog.text
        assert from_models(
            client.get("/v1/recommendations", params=query(site_key, "old-1")).json()
        )


def test_a_server_is_ready_once_it_has_loaded_the_current_models(
    client: TestClient, settings: Settings
) -> None:
    open_shop(client)
    version = on_app(client, model_store(client).save, SHOP, {"x": np.arange(3)}, {})
    release = threading.Event()

    def gated_build(artifact: Artifact) -> EngineModels:
        assert release.wait(timeout=60)
        return EngineModels(ItemIds(np.array(["old-1"])), version=artifact.version)

    other = replace(settings, data_dir=settings.data_dir / "other")
    with TestClient(create_app(other, build_models=gated_build)) as starting:
        assert starting.get("/readyz").json() == {
            "status": "starting",
            "reason": "loading the shops' current models",
        }
        release.set()
        deadline = time.monotonic() + LOAD_S
        while starting.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert served_version(starting) == version


def test_models_an_earlier_release_saved_on_disk_move_to_the_store_at_start(
    client: TestClient, settings: Settings
) -> None:
    open_shop(client)
    folder = settings.data_dir / "other" / "models" / SHOP / "20261101T000000000000Z"
    folder.mkdir(parents=True)
    np.savez(folder / "arrays.npz", item_ids=np.array(["old-1"]))
    (folder / "metadata.json").write_text('{"events": 3}')
    (folder.parent / "current").write_text(folder.name + "\n")

    def build(artifact: Artifact) -> EngineModels:
        return EngineModels(ItemIds(artifact.arrays["item_ids"]), version=artifact.version)

    other = replace(settings, data_dir=settings.data_dir / "other")
    with TestClient(create_app(other, build_models=build)) as started:
        version = on_app(started, model_store(started).current_version, SHOP)
        assert version is not None and version != folder.name
        metadata = on_app(started, model_store(started).metadata, SHOP, version)
        assert metadata == {"events": 3, "imported_from": str(folder)}
        deadline = time.monotonic() + LOAD_S
        while started.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert served_version(started) == version
