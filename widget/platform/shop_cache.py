"""Per-shop values cached in the process for a few seconds, loaded once however many ask.

By default an expired value is reloaded by the `get` that finds it, which waits for it.
With `serve_stale` (values slow to load, such as models) `get` never waits: it answers the
value held, or `serve_stale` before the first load, and one background task per shop
reloads an expired value, which replaces the old one once ready. A background load that
fails keeps the old value, is logged, and is tried again `ttl_s` later.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Generic, TypeVar

T = TypeVar("T")

logger = logging.getLogger(__name__)


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
        serve_stale: T | None = None,
        name: str = "value",
    ) -> None:
        self._load = load
        self._ttl_s = ttl_s
        self._clock = clock
        self._serve_stale = serve_stale
        self._name = name
        self._values: dict[str, tuple[float, T]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._reloads: dict[str, asyncio.Task[T]] = {}

    async def get(self, shop: str) -> T:
        cached = self._values.get(shop)
        if cached is not None and self._clock() - cached[0] < self._ttl_s:
            return cached[1]
        if self._serve_stale is not None:
            self._reload_in_background(shop)
            return cached[1] if cached is not None else self._serve_stale
        lock = self._locks.setdefault(shop, asyncio.Lock())
        async with lock:
            cached = self._values.get(shop)
            if cached is not None and self._clock() - cached[0] < self._ttl_s:
                return cached[1]
            value = await self._load(shop, cached[1] if cached else None)
            self._values[shop] = (self._clock(), value)
            return value

    async def reload(self, shop: str) -> T:
        """With `serve_stale`: reload now in the background (or join the reload under way)
        and wait for the new value, e.g. to warm up at start."""
        assert self._serve_stale is not None, "only a cache that serves stale reloads alone"
        return await asyncio.shield(self._reload_in_background(shop))

    async def aclose(self) -> None:
        """Cancel the background reloads under way."""
        reloads = list(self._reloads.values())
        for task in reloads:
            task.cancel()
        for task in reloads:
            with suppress(asyncio.CancelledError):
                await task

    def _reload_in_background(self, shop: str) -> asyncio.Task[T]:
        task = self._reloads.get(shop)
        if task is None:
            task = asyncio.create_task(self._reload(shop))
            self._reloads[shop] = task
            task.add_done_callback(lambda _: self._reloads.pop(shop, None))
        return task

    async def _reload(self, shop: str) -> T:
        cached = self._values.get(shop)
        previous = cached[1] if cached is not None else None
        try:
            value = await self._load(shop, previous)
        except Exception as error:
            logger.warning(
                "shop %s: reloading the %s failed, keeping the one before: %r",
                shop,
                self._name,
                error,
            )
            kept = previous if previous is not None else self._serve_stale
            assert kept is not None
            value = kept
        self._values[shop] = (self._clock(), value)
        return value
