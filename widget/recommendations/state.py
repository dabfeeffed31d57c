"""What serving recommendations keeps per process: the shops' records, configurations,
holdout shares (the contract's in force), catalogues, trending lists and models, each
cached for a few seconds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import Scope

from billing.holdout import holdout_share_in_force
from engine.training import shop_folder
from tracker.errors import UnknownShop
from tracker.shops import Shop
from widget.catalog import CatalogIndex, reload_catalog
from widget.platform.services import Services
from widget.platform.shop_cache import ShopCache
from widget.platform.shop_config import ShopConfig, load_config
from widget.platform.store import deployment_secret
from widget.recommendations import keys
from widget.recommendations.head_split import HeadItems, load_head_items
from widget.recommendations.models import EngineModels, NoModels, ShopModels, load_engine_models
from widget.recommendations.service import ExposurePolicy, RecommendationService
from widget.recommendations.trending import load_trending


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
    async def build(cls, services: Services) -> Serving:
        redis = services.redis
        models_folder = services.settings.data_dir / "models"

        async def shop_record(shop: str, previous: Shop | None) -> Shop | None:
            try:
                return await services.shops.get(shop)
            except UnknownShop:
                return None

        async def models(shop: str, previous: ShopModels | None) -> ShopModels:
            loaded = previous if isinstance(previous, EngineModels) else None
            found = await run_in_threadpool(
                load_engine_models, shop_folder(models_folder, shop), loaded
            )
            return found or NoModels()

        async def heads(shop: str, previous: HeadItems | None) -> HeadItems | None:
            folder = shop_folder(models_folder, shop)
            return await run_in_threadpool(load_head_items, folder, previous)

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
            # A newly trained version is picked up within this time, with no restart.
            models=ShopCache(models, ttl_s=30),
            heads=ShopCache(heads, ttl_s=30),
        )


def serving(request: Request) -> Serving:
    return serving_of(request.scope)


def serving_of(scope: Scope) -> Serving:
    found: Serving = scope["app"].state.serving
    return found
