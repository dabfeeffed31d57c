"""Picking up a shop's new model version with no visitor waiting for it.

`state` keeps the models in a `ShopCache` that serves stale: a request that finds the
shop's check older than BASKETLIFT_MODEL_CHECK_SECONDS starts a background check (one GET
of the current version) and is answered at once by the models held. When the store names
another version, that background task downloads it, builds and warms it (compiles its
serving paths) in a thread, one build at a time per process, and only then are the new
models served. A version that fails to load is logged, the previous models stay, and it
is tried again after RETRY_FAILED_S.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool

from engine.artifacts import Artifact
from engine.model_store import ModelStore
from widget.recommendations.models import EngineModels, NoModels, ShopModels, load_engine_models

RETRY_FAILED_S = 300.0
BuildModels = Callable[[Artifact], EngineModels]

logger = logging.getLogger(__name__)


class ModelSwitcher:
    """The loader of the models cache: `await switcher(shop, served)` answers the models
    of the current version, `served` when it has not changed."""

    def __init__(
        self,
        store: ModelStore,
        build: BuildModels = load_engine_models,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._build = build
        self._clock = clock
        self._one_build = asyncio.Lock()
        self._failed: dict[str, tuple[str, float]] = {}

    async def __call__(self, shop: str, previous: ShopModels | None) -> ShopModels:
        served = previous or NoModels()
        was = served.version if isinstance(served, EngineModels) else None
        version = await self._store.current_version(shop)
        if version is None or version == was or self._failed_lately(shop, version):
            return served
        async with self._one_build:
            started = self._clock()
            try:
                artifact = await self._store.load(shop, version)
                models = await run_in_threadpool(self._build, artifact)
            except Exception:
                self._failed[shop] = (version, self._clock())
                logger.exception(
                    "shop %s: loading models %s failed after %.1f s; still serving %s",
                    shop,
                    version,
                    self._clock() - started,
                    was or "no model",
                )
                return served
        self._failed.pop(shop, None)
        logger.info(
            "shop %s: switched to models %s (from %s), loaded in the background in %.1f s",
            shop,
            version,
            was or "no model",
            self._clock() - started,
        )
        return models

    def _failed_lately(self, shop: str, version: str) -> bool:
        failed = self._failed.get(shop)
        return (
            failed is not None
            and failed[0] == version
            and (self._clock() - failed[1] < RETRY_FAILED_S)
        )
