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


async def test_serving_stale_never_waits_for_a_load() -> None:
    release = asyncio.Event()
    loads: list[int | None] = []

    async def load(shop: str, previous: int | None) -> int:
        loads.append(previous)
        await release.wait()
        return (previous or 0) + 1

    clock = Clock()
    cache = ShopCache(load, ttl_s=5, clock=clock, serve_stale=0)
    assert await asyncio.gather(*[cache.get("a") for _ in range(10)]) == [0] * 10
    release.set()
    assert await cache.reload("a") == 1
    assert await cache.get("a") == 1
    release.clear()
    clock.now = 5.0
    assert [await cache.get("a") for _ in range(3)] == [1, 1, 1]
    release.set()
    assert await cache.reload("a") == 2 and await cache.get("a") == 2
    assert loads == [None, 1]


async def test_a_failed_background_load_keeps_the_value_and_is_tried_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outcomes: list[int | Exception] = [1, RuntimeError("store down"), 3]

    async def load(shop: str, previous: int | None) -> int:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    clock = Clock()
    cache = ShopCache(load, ttl_s=5, clock=clock, serve_stale=0, name="numbers")
    assert await cache.reload("a") == 1
    clock.now = 5.0
    assert await cache.reload("a") == 1
    assert "shop a: reloading the numbers failed, keeping the one before: " in caplog.text
    assert await cache.get("a") == 1
    clock.now = 10.0
    assert await cache.reload("a") == 3


async def test_closing_cancels_the_background_loads() -> None:
    never = asyncio.Event()

    async def load(shop: str, previous: int | None) -> int:
        await never.wait()
        return 1

    cache = ShopCache(load, ttl_s=5, serve_stale=0)
    assert await cache.get("a") == 0
    await asyncio.sleep(0)
    await cache.aclose()
    assert await cache.get("a") == 0
    await cache.aclose()
