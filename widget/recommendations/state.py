"""What serving recommendations keeps per process: the shops' records, configurations,
holdout shares (the contract's in force), catalogues, trending lists and models, each
cached for a few seconds. Models are switched in the background (`switching`); at start
the process loads every shop's current models before it says it is ready (`warm_up`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from starlette.requests import Request
from starlette.types import Scope

from billing.holdout import holdout_share_in_force
from engine.model_store import import_folders
from tracker.errors import UnknownShop
from tracker.shops import Shop
from widget.catalog import CatalogIndex, reload_catalog
from widget.platform.services import Services
from widget.platform.shop_cache import ShopCache
from widget.platform.shop_config import ShopConfig, load_config
from widget.platform.store import deployment_secret
from widget.recommendations import keys
from widget.recommendations.head_split import HeadItems, load_head_items
from widget.recommendations.models import NoModels, ShopModels, load_engine_models
from widget.recommendations.service import ExposurePolicy, RecommendationService
from widget.recommendations.switching import BuildModels, ModelSwitcher
from widget.recommendations.trending import load_trending

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Serving:
    recommendations: RecommendationService
    shop_records: ShopCache[Shop | None]
    shop_configs: ShopCache[ShopConfig]
    holdout_shares: ShopCache[float]
    catalogs: ShopCache[CatalogIndex]
    trending: ShopCache[list[str]]
    models: ShopCache[ShopModels]
    heads: ShopCache[HeadItems | None]

    @classmethod
    async def build(cls, services: Services, build_models: BuildModels | None = None) -> Serving:
        """`build_models` makes a version's models ready to serve (a seam for tests)."""
        redis = services.redis

        async def shop_record(shop: str, previous: Shop | None) -> Shop | None:
            try:
                return await services.shops.get(shop)
            except UnknownShop:
                return None

        async def holdout_share(shop: str, previous: float | None) -> float:
            return await holdout_share_in_force(redis, shop, datetime.now(UTC).date())

        settings = services.settings
        policy = ExposurePolicy(
            new_per_network_hour=settings.new_visitors_per_network_hour,
            lifetime_days=settings.exposure_lifetime_days,
        )
        return cls(
            recommendations=RecommendationService(
                redis, await deployment_secret(redis, keys.HOLDOUT_SECRET), policy
            ),
            # Changes to a shop reach every server process within these few seconds.
            shop_records=ShopCache(shop_record, ttl_s=5),
            shop_configs=ShopCache(lambda shop, _: load_config(redis, shop), ttl_s=5),
            holdout_shares=ShopCache(holdout_share, ttl_s=5),
            catalogs=ShopCache(lambda shop, old: reload_catalog(redis, shop, old), ttl_s=2),
            trending=ShopCache(lambda shop, _: load_trending(redis, shop), ttl_s=60),
            # A new version is served within this time plus its load, never waited for.
            models=ShopCache(
                ModelSwitcher(services.models, build_models or load_engine_models),
                ttl_s=settings.model_check_seconds,
                serve_stale=NoModels(),
                name="models",
            ),
            heads=ShopCache(partial(load_head_items, services.models), ttl_s=30),
        )

    async def start_warm_up(self, services: Services) -> Callable[[], Awaitable[None]]:
        """Move the model versions that an earlier release saved on disk into the store,
        then load every shop's current models in the background and set
        `services.warmed_up`; returns what stops it and every background model load."""
        try:
            await import_folders(services.models, services.settings.data_dir / "models")
            shops = [shop.id for shop in await services.shops.list()]
        except Exception:
            logger.exception("finding the shops' models at start failed")
            shops = []

        async def warm_up() -> None:
            try:
                await asyncio.gather(*(self.models.reload(shop) for shop in shops))
            finally:
                services.warmed_up.set()

        if not shops:
            services.warmed_up.set()
        task = asyncio.create_task(warm_up())

        async def stop() -> None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await self.models.aclose()

        return stop


def serving(request: Request) -> Serving:
    return serving_of(request.scope)


def serving_of(scope: Scope) -> Serving:
    found: Serving = scope["app"].state.serving
    return found
