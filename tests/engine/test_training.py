"""Training from a real stream: the OTTO sessions ingested through the tracker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest
from click.testing import CliRunner

from engine.errors import EmptyData
from engine.model_store import ModelStore
from engine.trained import TrainedModels
from engine.training import TrainingSettings, train_shop
from tests.conftest import ORIGIN
from tests.engine.samples import otto_events
from tracker.batch import Batch
from tracker.client import Client
from tracker.ingest import EventIngestor, RateLimits
from tracker.shops import ShopRegistry
from widget.cli.train import train

pytestmark = pytest.mark.anyio
BROWSER = Client("hash-1", "203.0.113.0", "Mozilla/5.0 Firefox/133.0", bot=False)
SMALL = TrainingSettings(factors=16, als_iterations=5, bpr_iterations=20)


async def ingest_otto(store: Any) -> str:
    issued = await ShopRegistry(store).create("Otto sample", (ORIGIN,))
    ingestor = EventIngestor(store, dead_letter_days=180, limits=RateLimits(1e6, 1e6))
    events = otto_events()
    for start in range(0, len(events), 200):
        batch = Batch(issued.shop.site_key, None, events[start : start + 200])
        result = await ingestor.ingest(batch, ORIGIN, BROWSER)
        assert not result.rejected
    return issued.shop.id


async def test_train_shop_saves_models_a_server_can_load(store: Any) -> None:
    shop = await ingest_otto(store)
    steps: list[tuple[int, int, str]] = []
    saved = ModelStore(store)
    result = await train_shop(store, shop, saved, lambda *s: steps.append(s), SMALL)
    assert (result.events, result.visitors, result.baskets) == (857, 20, 5)
    assert steps[-1][0] == steps[-1][1] and [s[0] for s in steps] == sorted(s[0] for s in steps)
    assert await saved.current_version(shop) == result.version
    artifact = await saved.load(shop, result.version)
    assert artifact.metadata["shop"] == shop and artifact.metadata["events"] == 857
    assert (result.items, result.sessions) == (510, 20)
    assert {name: artifact.metadata[name] for name in ("items", "visitors", "sessions")} == {
        "items": 510,
        "visitors": 20,
        "sessions": 20,
    }
    # the shop's own last 7 days: 10 of its 20 sessions, 13 next-item cases
    held_out = artifact.metadata["evaluation"]
    assert (held_out["train_sessions"], held_out["test_sessions"], held_out["cases"]) == (
        10,
        10,
        13,
    )
    hits = {model["model"]: model["hr@20"] for model in held_out["models"]}
    assert hits == {"basketlift": round(5 / 13, 4), "pop": round(11 / 13, 4)}
    models = TrainedModels.from_artifact(artifact)
    orders = [e for e in otto_events() if e["type"] == "Order Completed"]
    # Five real orders, no pair bought twice: the basket model falls back to bestsellers.
    assert models.basket.popularity.sum() == sum(len(o["properties"]["products"]) for o in orders)
    assert len(models.basket.recommend([0], n=3)) == 3
    for model in (models.als, models.bpr, models.similar):
        assert len(model.recommend(models.sessions[0].tolist(), n=5)) == 5


async def test_loaded_models_recommend_like_the_fitted_ones(store: Any) -> None:
    shop = await ingest_otto(store)
    saved = ModelStore(store)
    version = (await train_shop(store, shop, saved, settings=SMALL)).version
    first = TrainedModels.from_artifact(await saved.load(shop, version))
    again = TrainedModels.from_artifact(await saved.load(shop, version))
    contexts = first.sessions
    for a, b in zip(
        (first.als, first.bpr, first.basket),
        (again.als, again.bpr, again.basket),
        strict=True,
    ):
        assert (a.recommend_batch(contexts, 5).items == b.recommend_batch(contexts, 5).items).all()


async def test_a_shop_without_events_is_not_trained(store: Any) -> None:
    saved = ModelStore(store)
    with pytest.raises(EmptyData):
        await train_shop(store, "empty-shop", saved)
    assert await saved.current_version("empty-shop") is None


async def test_the_train_command_trains_every_shop(
    store: Any, clean_store: str, tmp_path: Path
) -> None:
    shop = await ingest_otto(store)
    env = {"BASKETLIFT_REDIS_URL": clean_store, "BASKETLIFT_DATA_DIR": str(tmp_path)}
    result = await anyio.to_thread.run_sync(lambda: CliRunner().invoke(train, [], env=env))
    assert result.exit_code == 0, result.output
    version = await ModelStore(store).current_version(shop)
    assert f"{shop}: version {version}, 857 events" in result.stdout
    assert not (tmp_path / "models").exists()


def test_bpr_runs_fewer_epochs_once_an_epoch_is_long() -> None:
    settings = TrainingSettings(bpr_iterations=100, bpr_samples=1_000)
    assert [settings.bpr_epochs(pairs) for pairs in (5, 30, 10**6)] == [100, 33, 1]
