"""The head of a shop's catalogue from models trained on real Online Retail views."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.training import shop_folder, train_shop
from tests.widget.placements.traffic import (
    SMALL_TRAINING,
    ShopTraffic,
    invoice_views,
    most_viewed_fifth,
)
from widget.recommendations.head_split import load_head_items

pytestmark = pytest.mark.anyio


async def test_the_head_is_the_fifth_most_viewed_in_training(store: Any, tmp_path: Path) -> None:
    views = await invoice_views(await ShopTraffic.create(store, "acme"), 40)
    folder = shop_folder(tmp_path, "acme")
    assert load_head_items(folder) is None
    result = await train_shop(store, "acme", tmp_path, settings=SMALL_TRAINING)
    head = load_head_items(folder)
    assert head is not None and head.version == result.version
    assert head.ids == frozenset(most_viewed_fifth(views))
    least_viewed = min(views, key=lambda product: views[product])
    assert least_viewed not in head.ids and most_viewed_fifth(views)[0] in head.ids
    assert load_head_items(folder, head) is head
