"""`basketlift catalog`: import a shop's catalogue from a file, show one product."""

from __future__ import annotations

import asyncio
import gzip
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO, Any, get_args

import click
from tqdm import tqdm

from tracker.errors import ShopError
from tracker.shops import ShopRegistry
from widget.catalog import CatalogStore, CatalogUploadError, Format, ImportResult, Product
from widget.cli.common import EXISTING_FILE, echo_json, load_settings, open_store

CHUNK_BYTES = 256 * 1024
_SUFFIX_FORMATS: dict[str, Format] = {
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".csv": "csv",
}


def _format_of_name(path: Path) -> Format:
    name = path.name.removesuffix(".gz")
    found = _SUFFIX_FORMATS.get(Path(name).suffix.lower())
    if found is None:
        raise click.UsageError(f"cannot tell the format of {path.name}: give --format")
    return found


async def _chunks(
    source: gzip.GzipFile | IO[bytes], raw: IO[bytes], progress: tqdm[Any]
) -> AsyncIterator[bytes]:
    while chunk := source.read(CHUNK_BYTES):
        # Progress counts the file's own bytes, compressed or not, to match its size.
        progress.update(raw.tell() - progress.n)
        yield chunk


def _decompressed(raw: IO[bytes], path: Path) -> gzip.GzipFile | IO[bytes]:
    return gzip.GzipFile(fileobj=raw) if path.suffix == ".gz" else raw


async def _import(shop_id: str, path: Path, fmt: Format, replace: bool) -> ImportResult:
    async with open_store(load_settings()) as client:
        await ShopRegistry(client).get(shop_id)
        size = path.stat().st_size
        bar = tqdm(total=size, unit="B", unit_scale=True, file=sys.stderr, disable=None)
        with path.open("rb") as raw, _decompressed(raw, path) as source, bar as progress:
            chunks = _chunks(source, raw, progress)
            return await CatalogStore(client, shop_id).import_upload(chunks, fmt, replace)


@click.group()
def catalog() -> None:
    """Import shops' catalogues and read their products."""


@catalog.command("import")
@click.option("--shop", "shop_id", required=True, help="The shop's id.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(get_args(Format)),
    help="The file's format; by default from its name (.json, .ndjson, .jsonl, .csv, + .gz).",
)
@click.option("--replace", is_flag=True, help="Also delete every product the file does not name.")
@click.argument("path", type=EXISTING_FILE)
def import_catalog(shop_id: str, fmt: Format | None, replace: bool, path: Path) -> None:
    """Upsert (and delete) products from a JSON array, NDJSON or CSV file.

    Prints what the HTTP upload answers: counts and the rejected rows with their reasons.
    """
    try:
        result = asyncio.run(_import(shop_id, path, fmt or _format_of_name(path), replace))
    except ShopError as error:
        raise click.ClickException(str(error)) from None
    except CatalogUploadError as error:
        raise click.ClickException(error.reason) from None
    echo_json(result.as_dict())


@catalog.command()
@click.option("--shop", "shop_id", required=True, help="The shop's id.")
@click.argument("product_id")
def show(shop_id: str, product_id: str) -> None:
    """Show one product as JSON."""

    async def run() -> Product | None:
        async with open_store(load_settings()) as client:
            await ShopRegistry(client).get(shop_id)
            return await CatalogStore(client, shop_id).get(product_id)

    try:
        product = asyncio.run(run())
    except ShopError as error:
        raise click.ClickException(str(error)) from None
    if product is None:
        raise click.ClickException(f"no product {product_id!r} in shop {shop_id!r}")
    echo_json(product.as_dict())
