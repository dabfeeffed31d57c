from __future__ import annotations

from typing import Any

import orjson
import pytest

from widget.platform.shop_config import (
    DEFAULT_PLACEMENTS,
    InvalidConfig,
    Rules,
    ShopConfig,
    config_key,
    load_config,
    parse_config,
    save_config,
)


def test_defaults_are_four_placements() -> None:
    config = parse_config({})
    assert sorted(config.placements) == ["basket", "home", "longtail", "product"]


def test_a_placement_with_rules() -> None:
    config = parse_config(
        {
            "placements": {
                "footer": {
                    "strategy": "trending",
                    "limit": 4,
                    "rules": {"price_band": [0.5, 2], "bury": ["x"], "max_per_category": 2},
                }
            },
        }
    )
    footer = config.placements["footer"]
    assert (footer.strategy, footer.limit) == ("trending", 4)
    assert footer.rules == Rules(price_band=(0.5, 2.0), bury=("x",), max_per_category=2)
    assert config.placements["product"] == DEFAULT_PLACEMENTS["product"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"holdout_share": 0.2}, "holdout_share"),
        ({"placements": []}, "placements"),
        ({"placements": {"x": {"strategy": "magic"}}}, "placements.x.strategy"),
        ({"placements": {"product": {"limit": 0}}}, "placements.product.limit"),
        ({"placements": {"product": {"rules": {"boost": "a"}}}}, "placements.product.rules.boost"),
        ({"placements": {"product": {"rules": {"colour": 1}}}}, "placements.product.rules.colour"),
        (
            {"placements": {"product": {"rules": {"price_band": [2, 1]}}}},
            "placements.product.rules.price_band",
        ),
    ],
)
def test_errors_name_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidConfig) as caught:
        parse_config(data)
    assert caught.value.field == field


@pytest.mark.anyio
async def test_saved_config_loads_back(store: Any) -> None:
    config = parse_config({"placements": {"x": {"strategy": "basket"}}})
    await save_config(store, "acme", config)
    assert await load_config(store, "acme") == config
    assert await load_config(store, "other") == ShopConfig()


@pytest.mark.anyio
async def test_a_holdout_share_stored_before_the_contract_set_it_is_ignored(store: Any) -> None:
    await store.set(config_key("acme"), orjson.dumps({"holdout_share": 0.2, "placements": {}}))
    assert await load_config(store, "acme") == ShopConfig()
