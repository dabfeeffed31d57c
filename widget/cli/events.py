"""`basketlift events`: export a shop's events as JSON lines."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from datetime import UTC, datetime
from typing import IO

import click
import orjson
from tqdm import tqdm

from tracker.archive import Archive
from tracker.history import read_history
from widget.cli.common import load_settings, open_store, shop_option


def _moment(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@click.group()
def events() -> None:
    """Read the events shops have sent."""


@events.command()
@shop_option("The shop's id.", "shop_id")
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    required=True,
    help="Events received at or after this date (UTC).",
)
@click.option(
    "--until",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    help="Events received before this date (UTC); default: now.",
)
@click.option("--output", type=click.File("wb"), default="-", help="File to write; default stdout.")
def export(shop_id: str, since: datetime, until: datetime | None, output: IO[bytes]) -> None:
    """Write a shop's events as JSON lines, one event a line, oldest first: from the
    archive, then from the store's hot window."""
    settings = load_settings()

    async def run() -> int:
        written = 0
        archive = Archive.open(settings.archive_location)
        async with open_store(settings) as client:
            with tqdm(unit="event", file=sys.stderr, disable=None) as progress:
                async for entry in read_history(
                    client,
                    shop_id,
                    _moment(since),
                    _moment(until) if until else None,
                    archive=archive,
                ):
                    for event in entry.events:
                        line = dataclasses.asdict(event) | {"stream_id": entry.id}
                        output.write(orjson.dumps(line) + b"\n")
                    written += len(entry.events)
                    progress.update(len(entry.events))
        return written

    count = asyncio.run(run())
    click.echo(f"{count} events exported", err=True)
