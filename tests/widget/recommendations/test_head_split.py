"""The head of a shop's catalogue from models trained on real Online Retail views."""

from __future__ import annotations

from typing import Any

import pytest

from engine.model_store import ModelStore
from engine.training import train_shop
from tests.widget.placements.traffic import (
    SMALL_TRAINING,
    ShopTraffic,
    invoice_views,
    most_viewed_fifth,
)
from widget.recommendations.head_split import load_head_items

pytestmark = pytest.mark.anyio


async def test_the_head_is_the_fifth_most_viewed_in_training(store: Any) -> None:
    views = await invoice_views(await ShopTraffic.create(store, "acme"), 40)
    models = ModelStore(store)
    assert await load_head_items(models, "acme") is None
    result = await train_shop(store, "acme", models, settings=SMALL_TRAINING)
    head = await load_head_items(models, "acme")
    assert head is not None and head.version == result.version
    assert head.ids == frozenset(most_viewed_fifth(views))
    least_viewed = min(views, key=lambda product: views[product])
    assert least_viewed not in head.ids and most_viewed_fifth(views)[0] in head.ids
    assert await load_head_items(models, "acme", head) is head
