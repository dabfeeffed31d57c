"""What the commands share: settings from the environment, a connection to the store, and
the shape of their file options."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
import orjson

from widget.platform.embedded import EmbeddedStore, EmbeddedStoreError
from widget.platform.settings import Settings, SettingsError
from widget.platform.store import connect

Command = TypeVar("Command", bound=Callable[..., Any])
EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def input_file(flag: str, name: str, help: str) -> Callable[[Command], Command]:
    """A required option naming a file that exists, passed to the command as `name`."""
    return click.option(flag, name, required=True, type=EXISTING_FILE, help=help)


def load_settings() -> Settings:
    try:
        return Settings.from_env(os.environ)
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


@asynccontextmanager
async def open_store(
    settings: Settings, on_give_up: Callable[[], None] | None = None
) -> AsyncIterator[Any]:
    """A client of the configured store; the embedded one is started or joined (and left)
    if needed, and `on_give_up` is called if it dies and cannot be restarted."""
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
        yield client
    finally:
        await client.aclose()
        if embedded is not None:
            embedded.stop()


def echo_json(value: Any) -> None:
    click.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())
