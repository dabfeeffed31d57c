"""What the HTTP handlers share, built once per app in its lifespan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import Scope

from engine.training import shop_folder
from tracker import keys as tracker_keys
from tracker.errors import UnknownShop
from tracker.ingest import EventIngestor, RateLimits
from tracker.shops import Shop, ShopRegistry
from widget.catalog.index import CatalogIndex, reload_catalog
from widget.platform.metrics import Metrics
from widget.platform.settings import Settings
from widget.platform.shop_cache import ShopCache
from widget.platform.shop_config import ShopConfig, load_config
from widget.platform.store import deployment_secret
from widget.recommendations import keys
from widget.recommendations.head_split import HeadItems, load_head_items
from widget.recommendations.models import EngineModels, NoModels, ShopModels, load_engine_models
from widget.recommendations.service import RecommendationService
from widget.recommendations.trending import load_trending


@dataclass(frozen=True)
class Services:
    settings: Settings
    redis: Any
    shops: ShopRegistry
    ingestor: EventIngestor
    address_secret: bytes
    metrics: Metrics
    recommendations: RecommendationService
    shop_records: ShopCache[Shop | None]
    shop_configs: ShopCache[ShopConfig]
    catalogs: ShopCache[CatalogIndex]
    trending: ShopCache[list[str]]
    models: ShopCache[ShopModels]
    heads: ShopCache[HeadItems | None]

    @classmethod
    async def build(cls, settings: Settings, redis: Any, metrics: Metrics) -> Services:
        limits = RateLimits(settings.rate_limit_site, settings.rate_limit_client)
        shops = ShopRegistry(redis)

        async def shop_record(shop: str, previous: Shop | None) -> Shop | None:
            try:
                return await shops.get(shop)
            except UnknownShop:
                return None

        models_folder = settings.data_dir / "models"

        async def models(shop: str, previous: ShopModels | None) -> ShopModels:
            loaded = previous if isinstance(previous, EngineModels) else None
            found = await run_in_threadpool(
                load_engine_models, shop_folder(models_folder, shop), loaded
            )
            return found or NoModels()

        async def heads(shop: str, previous: HeadItems | None) -> HeadItems | None:
            folder = shop_folder(models_folder, shop)
            return await run_in_threadpool(load_head_items, folder, previous)

        return cls(
            settings=settings,
            redis=redis,
            shops=shops,
            ingestor=EventIngestor(redis, settings.event_retention_days, limits),
            address_secret=await deployment_secret(redis, tracker_keys.IP_HASH_SECRET),
            metrics=metrics,
            recommendations=RecommendationService(
                redis, await deployment_secret(redis, keys.HOLDOUT_SECRET)
            ),
            # Changes to a shop reach every server process within these few seconds.
            shop_records=ShopCache(shop_record, ttl_s=5),
            shop_configs=ShopCache(lambda shop, _: load_config(redis, shop), ttl_s=5),
            catalogs=ShopCache(lambda shop, old: reload_catalog(redis, shop, old), ttl_s=2),
            trending=ShopCache(lambda shop, _: load_trending(redis, shop), ttl_s=60),
            # A newly trained version is picked up within this time, with no restart.
            models=ShopCache(models, ttl_s=30),
            heads=ShopCache(heads, ttl_s=30),
        )


def services(request: Request) -> Services:
    return services_of(request.scope)


def services_of(scope: Scope) -> Services:
    found: Services = scope["app"].state.services
    return found
