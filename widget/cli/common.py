"""What the commands share: settings from the environment, a connection to the store, and
the shape of their file and shop options.

`shop_option` is every command's `--shop`: the store the command opens (`open_store`)
first checks that each shop given exists, so a mistyped id stops the command with an
error instead of doing nothing for a shop that is not there."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
import orjson

from tracker.errors import ShopError
from tracker.shops import ShopRegistry
from widget.platform.embedded import EmbeddedStore, EmbeddedStoreError
from widget.platform.settings import Settings, SettingsError
from widget.platform.store import connect

Command = TypeVar("Command", bound=Callable[..., Any])
EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_SHOPS_GIVEN = "basketlift.shops"


def input_file(flag: str, name: str, help: str) -> Callable[[Command], Command]:
    """A required option naming a file that exists, passed to the command as `name`."""
    return click.option(flag, name, required=True, type=EXISTING_FILE, help=help)


def shop_option(
    help: str, name: str = "shop", multiple: bool = False
) -> Callable[[Command], Command]:
    """`--shop`, passed as `name`: required unless `multiple` (then none means every shop).
    The shops given are checked when the command opens the store."""
    return click.option(
        "--shop",
        name,
        required=not multiple,
        multiple=multiple,
        callback=_remember_shops,
        help=help,
    )


def _remember_shops(context: click.Context, parameter: click.Parameter, value: Any) -> Any:
    given = value if isinstance(value, tuple) else (value,) if value else ()
    context.meta[_SHOPS_GIVEN] = context.meta.get(_SHOPS_GIVEN, ()) + given
    return value


async def _check_shops_given(client: Any) -> None:
    context = click.get_current_context(silent=True)
    registry = ShopRegistry(client)
    for shop in context.meta.get(_SHOPS_GIVEN, ()) if context else ():
        try:
            await registry.get(shop)
        except ShopError as error:
            raise click.ClickException(str(error)) from None


def load_settings() -> Settings:
    try:
        return Settings.from_env(os.environ)
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


@asynccontextmanager
async def open_store(
    settings: Settings, on_give_up: Callable[[], None] | None = None
) -> AsyncIterator[Any]:
    """A client of the configured store, once the shops given to the command's `--shop`
    are found there; the embedded one is started or joined (and left) if needed, and
    `on_give_up` is called if it dies and cannot be restarted."""
    embedded = None
    url = settings.redis_url
    if url is None:
        embedded = EmbeddedStore(
            settings.data_dir, restarts=settings.store_restarts, on_give_up=on_give_up
        )
        try:
            url = embedded.start()
        except EmbeddedStoreError as error:
            raise click.ClickException(str(error)) from None
    client = await connect(url)
    try:
        await _check_shops_given(client)
        yield client
    finally:
        await client.aclose()
        if embedded is not None:
            embedded.stop()


def echo_json(value: Any) -> None:
    click.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())
