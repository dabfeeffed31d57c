"""The catalogue page's "Last training" in words, with the shop's own held-out figures."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from html import unescape

from starlette.testclient import TestClient

from engine.model_store import ModelStore
from engine.training import TrainingResult, TrainingSettings, train_shop
from tests.conftest import ORIGIN
from tests.engine.samples import otto_events
from tests.widget.conftest import log_in
from tests.widget.retraining.helpers import BROWSER
from tracker.batch import Batch
from tracker.ingest import EventIngestor, RateLimits
from tracker.shops import ShopRegistry
from widget.dashboard.training import duration, held_out, trained
from widget.platform.settings import Settings
from widget.platform.store import connect
from widget.retraining import RetrainPolicy, TrainingStatus, manual_attempt

CATALOGUE = "/dashboard/shops/shop-a/catalogue"
SMALL = TrainingSettings(factors=16, als_iterations=5, bpr_iterations=20)


def test_durations_read_as_words() -> None:
    assert duration(12.34) == "12.3 seconds"
    assert duration(245) == "4 minutes 5 seconds"
    assert duration(61) == "1 minute 1 second"
    assert duration(3780) == "1 hour 3 minutes"


def test_the_training_in_one_sentence() -> None:
    at = datetime(2026, 11, 30, 9, 5, tzinfo=UTC).timestamp()
    status = TrainingStatus(succeeded_at=at, version="v1", seconds=12.34)
    metadata = {"events": 857, "items": 510, "visitors": 20, "sessions": 1, "baskets": 5}
    assert trained("v1", metadata, status) == (
        "Version v1, trained on 2026-11-30 09:05 UTC in 12.3 seconds, learned from 857 events: "
        "510 products, 20 visitors, 1 browsing session and 5 orders."
    )
    # another version than the status's last success: no time to tell
    assert trained("v0", {"events": 3}, status) == "Version v0 learned from 3 events."


def test_no_figures_say_why() -> None:
    metadata = {
        "evaluation": {
            "test_days": 7.0, "train_sessions": 4, "test_sessions": 0, "cases": 0,
            "models": [], "reason": "no_recent_sessions",
        }
    }  # fmt: skip
    assert held_out(metadata).summary == (
        "No figures for this training: no browsing session started in the last 7 days of "
        "the shop's events, so there was nothing to test on."
    )
    assert held_out(metadata).rows == []


async def _train_otto(url: str) -> None:
    store = await connect(url)
    try:
        site_key = (await ShopRegistry(store).get("shop-a")).site_key
        ingestor = EventIngestor(store, dead_letter_days=180, limits=RateLimits(1e6, 1e6))
        events = otto_events()
        for start in range(0, len(events), 200):
            batch = Batch(site_key, None, events[start : start + 200])
            assert not (await ingestor.ingest(batch, ORIGIN, BROWSER)).rejected

        async def train() -> TrainingResult:
            return await train_shop(store, "shop-a", ModelStore(store), settings=SMALL)

        await manual_attempt(store, "shop-a", train, RetrainPolicy(), "test")
    finally:
        await store.aclose()


def test_the_page_tells_the_last_training_and_its_own_figures(
    web: TestClient, settings: Settings
) -> None:
    asyncio.run(_train_otto(str(settings.redis_url)))
    log_in(web, "analyst@a.example")
    page = unescape(web.get(CATALOGUE).text)
    learned = "learned from 857 events: 510 products, 20 visitors, 20 browsing sessions and 5"
    assert learned in page
    assert ", trained on " in page and "The last attempt succeeded." in page
    assert (
        "Measured at training on this shop's own last 7 days: the models were fitted on the 10 "
        "browsing sessions that started before, then asked, at each of the 13 steps of the 10 "
        "sessions since, which product the visitor looked at next. The served model had it "
        "among its 20 38.5% of the time; the 20 most popular products would have had it 84.6% "
        "of the time."
    ) in page.replace("\n", " ")
    assert '<tr><th scope="row">Served model</th><td class="num">38.5%</td>' in page
    # the public benchmark's figures are gone
    assert "diginetica" not in page and "engine_sessions" not in page
