"""Per-shop values cached in the process for a few seconds, loaded once however many ask."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class ShopCache(Generic[T]):
    """`await cache.get(shop)`: the value `load(shop, previous)` gave less than `ttl_s` ago.

    The loader receives the previous value (or None) so that it can keep it when the
    store says nothing changed, e.g. when a version counter did not move.
    """

    def __init__(
        self,
        load: Callable[[str, T | None], Awaitable[T]],
        ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._ttl_s = ttl_s
        self._clock = clock
        self._values: dict[str, tuple[float, T]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, shop: str) -> T:
        cached = self._values.get(shop)
        if cached is not None and self._clock() - cached[0] < self._ttl_s:
            return cached[1]
        lock = self._locks.setdefault(shop, asyncio.Lock())
        async with lock:
            cached = self._values.get(shop)
            if cached is not None and self._clock() - cached[0] < self._ttl_s:
                return cached[1]
            value = await self._load(shop, cached[1] if cached else None)
            self._values[shop] = (self._clock(), value)
            return value
