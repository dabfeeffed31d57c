from __future__ import annotations

import asyncio

import pytest

from widget.platform.shop_cache import ShopCache

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_values_are_kept_for_the_ttl_and_loaded_once_under_concurrency() -> None:
    loads: list[tuple[str, int | None]] = []

    async def load(shop: str, previous: int | None) -> int:
        loads.append((shop, previous))
        await asyncio.sleep(0.01)
        return len(loads)

    clock = Clock()
    cache = ShopCache(load, ttl_s=5, clock=clock)
    assert await asyncio.gather(*[cache.get("a") for _ in range(10)]) == [1] * 10
    clock.now = 4.9
    assert await cache.get("a") == 1
    clock.now = 5.0
    assert await cache.get("a") == 2
    assert loads == [("a", None), ("a", 1)]
