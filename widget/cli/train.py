"""`basketlift train`: fit the shops' models on their events and save a new version in the
store, where every server picks it up."""

from __future__ import annotations

import asyncio

import click

from engine.errors import EmptyData
from engine.model_store import ModelStore
from engine.training import TrainingResult
from tracker.archive import Archive
from tracker.shops import ShopRegistry
from widget.cli.common import load_settings, open_store
from widget.platform.settings import Settings
from widget.platform.training import train_with_progress


@click.command()
@click.option("--shop", "shops", multiple=True, help="Shop id to train (repeatable). Default: all.")
def train(shops: tuple[str, ...]) -> None:
    """Train the recommendation models of every shop (or of --shop) from its events.

    Each shop's models are saved as a new version in the store; running servers switch
    to it within BASKETLIFT_MODEL_CHECK_SECONDS plus its load time, without a restart."""
    settings = load_settings()
    results = asyncio.run(_train(shops, settings))
    for result in results:
        click.echo(
            f"{result.shop}: version {result.version}, {result.events} events, "
            f"{result.items} items, {result.visitors} visitors, {result.baskets} orders, "
            f"{result.seconds:.1f} s"
        )


async def _train(shops: tuple[str, ...], settings: Settings) -> list[TrainingResult]:
    archive = Archive.open(settings.archive_location)
    results = []
    async with open_store(settings) as store:
        models = ModelStore(store, keep=settings.model_versions_kept)
        chosen = shops or tuple(shop.id for shop in await ShopRegistry(store).list())
        for shop in chosen:
            try:
                results.append(await train_with_progress(store, shop, models, archive))
            except EmptyData as error:
                click.echo(f"{shop}: skipped, {error}", err=True)
    return results
