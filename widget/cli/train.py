"""`basketlift train`: fit the shops' models on their events and save a new version in the
store, where every server picks it up."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Awaitable

import click

from engine.errors import EmptyData
from engine.model_store import ModelStore
from engine.training import TrainingResult
from tracker.archive import Archive
from tracker.shops import ShopRegistry
from widget.cli.common import load_settings, open_store, shop_option
from widget.platform.settings import Settings
from widget.platform.training import train_with_progress
from widget.retraining import Holding, RetrainPolicy, manual_attempt


@click.command()
@shop_option("Shop id to train (repeatable). Default: all.", "shops", multiple=True)
def train(shops: tuple[str, ...]) -> None:
    """Train the recommendation models of every shop (or of --shop) from its events.

    Each shop's models are saved as a new version in the store; running servers switch
    to it within BASKETLIFT_MODEL_CHECK_SECONDS plus its load time, without a restart.
    Each result is recorded as the automatic trainings' are (the dashboard's catalogue
    page shows it); a shop that another process is training now is skipped. Exits with
    status 1 if a training failed (a shop without events is skipped, not failed).
    """
    settings = load_settings()
    results, failed = asyncio.run(_train(shops, settings))
    for result in results:
        click.echo(
            f"{result.shop}: version {result.version}, {result.events} events, "
            f"{result.items} items, {result.visitors} visitors, {result.baskets} orders, "
            f"{result.seconds:.1f} s"
        )
    if failed:
        raise click.ClickException(f"training failed for {', '.join(failed)}")


async def _train(
    shops: tuple[str, ...], settings: Settings
) -> tuple[list[TrainingResult], list[str]]:
    """The results, and the shops whose training failed."""
    archive = Archive.open(settings.archive_location)
    policy = RetrainPolicy.from_settings(settings)
    holder = f"{socket.gethostname()}-{os.getpid()}"
    results: list[TrainingResult] = []
    failed: list[str] = []
    async with open_store(settings) as store:
        models = ModelStore(store, keep=settings.model_versions_kept)
        chosen = shops or tuple(shop.id for shop in await ShopRegistry(store).list())
        for shop in chosen:

            def run(shop: str = shop) -> Awaitable[TrainingResult]:
                return train_with_progress(store, shop, models, archive)

            outcome = await manual_attempt(store, shop, run, policy, holder)
            if isinstance(outcome, Holding):
                click.echo(f"{shop}: skipped, {outcome.holder} is training it", err=True)
            elif outcome.result is not None:
                results.append(outcome.result)
            elif isinstance(outcome.error, EmptyData):
                click.echo(f"{shop}: skipped, {outcome.reason}", err=True)
            else:
                click.echo(f"{shop}: failed, {outcome.reason}", err=True)
                failed.append(shop)
    return results, failed
