"""`basketlift catalog`: import a shop's catalogue from a file or URL, schedule its feed,
show one product."""

from __future__ import annotations

import asyncio
import gzip
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO, Any

import click
from tqdm import tqdm

from tracker.errors import ShopError
from widget.catalog import (
    FORMATS,
    CatalogStore,
    CatalogUploadError,
    Feed,
    FeedFetcher,
    FeedStore,
    FeedSyncer,
    Format,
    ImportResult,
    Product,
    feed_from,
    import_feed,
    options_from,
    resolve_options,
)
from widget.cli.common import EXISTING_FILE, echo_json, load_settings, open_store, shop_option

CHUNK_BYTES = 256 * 1024
# Other files' formats are told from their content.
_SUFFIX_FORMATS: dict[str, Format] = {".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson"}


def _format_of_name(path: Path) -> Format | None:
    name = path.name.removesuffix(".gz")
    return _SUFFIX_FORMATS.get(Path(name).suffix.lower())


async def _chunks(
    source: gzip.GzipFile | IO[bytes], raw: IO[bytes], progress: tqdm[Any]
) -> AsyncIterator[bytes]:
    while chunk := source.read(CHUNK_BYTES):
        # Progress counts the file's own bytes, compressed or not, to match its size.
        progress.update(raw.tell() - progress.n)
        yield chunk


def _decompressed(raw: IO[bytes], path: Path) -> gzip.GzipFile | IO[bytes]:
    return gzip.GzipFile(fileobj=raw) if path.suffix == ".gz" else raw


async def _import(
    shop_id: str, path: Path, fmt: Format | None, replace: bool, options: dict[str, Any]
) -> ImportResult:
    async with open_store(load_settings()) as client:
        resolved = await resolve_options(client, shop_id, options_from(options))
        size = path.stat().st_size
        bar = tqdm(total=size, unit="B", unit_scale=True, file=sys.stderr, disable=None)
        with path.open("rb") as raw, _decompressed(raw, path) as source, bar as progress:
            chunks = _chunks(source, raw, progress)
            store = CatalogStore(client, shop_id)
            return await store.import_upload(chunks, fmt, replace, resolved)


async def _import_url(shop_id: str, options: dict[str, Any]) -> ImportResult:
    settings = load_settings()
    async with open_store(settings) as client:
        fetcher = FeedFetcher(settings.catalog_feed_trusted_hosts)
        feed = feed_from(options, fetcher.trusted_hosts)
        return await import_feed(client, shop_id, feed, fetcher)


def _format_options(command: Any) -> Any:
    """The options that complete what a platform's export leaves out."""
    for option in reversed(
        (
            click.option("--currency", help="The prices' currency; default: the contract's."),
            click.option(
                "--store-url",
                help="The storefront's address (Shopify, WooCommerce); default: the shop's "
                "one origin.",
            ),
            click.option(
                "--decimal-separator",
                type=click.Choice([".", ","]),
                help="The prices' decimal mark; default: told from each price (see README).",
            ),
        )
    ):
        command = option(command)
    return command


def _given(currency: str | None, store_url: str | None, separator: str | None) -> dict[str, Any]:
    return {"currency": currency, "store_url": store_url, "decimal_separator": separator}


def _run(call: Any) -> Any:
    try:
        return asyncio.run(call)
    except ShopError as error:
        raise click.ClickException(str(error)) from None
    except CatalogUploadError as error:
        field = f" ({error.field})" if error.field else ""
        raise click.ClickException(f"{error.reason}{field}") from None


@click.group()
def catalog() -> None:
    """Import shops' catalogues and read their products."""


@catalog.command("import")
@shop_option("The shop's id.", "shop_id")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    help="The file's format; by default .json and .ndjson/.jsonl by name, others by content.",
)
@click.option("--replace", is_flag=True, help="Also delete every product the file does not name.")
@click.option("--url", help="Fetch the catalogue from this https:// URL instead of a file.")
@_format_options
@click.argument("path", type=EXISTING_FILE, required=False)
def import_catalog(
    shop_id: str,
    fmt: Format | None,
    replace: bool,
    url: str | None,
    currency: str | None,
    store_url: str | None,
    decimal_separator: str | None,
    path: Path | None,
) -> None:
    """Upsert (and delete) products from a file (+ .gz) or a URL: Basketlift's JSON, NDJSON
    or CSV, Shopify's or WooCommerce's product CSV export, or a Google Merchant Center
    feed (XML or TSV). Variants are folded into their product.

    Prints what the HTTP upload answers: counts and the rejected rows with their reasons.
    """
    if (path is None) == (url is None):
        raise click.UsageError("give a file or --url, not both")
    options = _given(currency, store_url, decimal_separator) | {"replace": replace}
    if url is not None:
        result = _run(_import_url(shop_id, options | {"url": url}))
    else:
        assert path is not None
        result = _run(_import(shop_id, path, fmt or _format_of_name(path), replace, options))
    echo_json(result.as_dict())


@catalog.group()
def feed() -> None:
    """Sync a shop's catalogue from a feed URL on a schedule (the consumers run it)."""


@feed.command("set")
@shop_option("The shop's id.", "shop_id")
@click.option("--url", required=True, help="The feed's https:// URL.")
@click.option("--every-minutes", type=int, default=24 * 60, show_default=True, help="How often.")
@click.option("--keep", is_flag=True, help="Keep the products the feed does not name.")
@_format_options
def set_feed(
    shop_id: str,
    url: str,
    every_minutes: int,
    keep: bool,
    currency: str | None,
    store_url: str | None,
    decimal_separator: str | None,
) -> None:
    """Register (or replace) the shop's feed; its first sync is due at once."""
    given = _given(currency, store_url, decimal_separator)
    data = given | {"url": url, "every_minutes": every_minutes, "replace": not keep}

    async def run() -> dict[str, Any]:
        settings = load_settings()
        async with open_store(settings) as client:
            registered: Feed = feed_from(data, settings.catalog_feed_trusted_hosts)
            return (await FeedStore(client).register(shop_id, registered)).as_dict()

    echo_json(_run(run()))


@feed.command("show")
@shop_option("The shop's id.", "shop_id")
def show_feed(shop_id: str) -> None:
    """Show the shop's feed, when it is next due and how its last sync went."""

    async def run() -> dict[str, Any] | None:
        async with open_store(load_settings()) as client:
            state = await FeedStore(client).get(shop_id)
            return None if state is None else state.as_dict()

    found = _run(run())
    if found is None:
        raise click.ClickException(f"shop {shop_id!r} has no catalogue feed")
    echo_json(found)


@feed.command("remove")
@shop_option("The shop's id.", "shop_id")
def remove_feed(shop_id: str) -> None:
    """Stop syncing the shop's feed; its products stay."""

    async def run() -> bool:
        async with open_store(load_settings()) as client:
            return await FeedStore(client).remove(shop_id)

    if not _run(run()):
        raise click.ClickException(f"shop {shop_id!r} has no catalogue feed")
    click.echo(f"the catalogue feed of {shop_id} is removed")


@feed.command("sync")
@shop_option("The shop's id.", "shop_id")
def sync_feed(shop_id: str) -> None:
    """Sync the shop's feed now (unless another process is syncing it), and show how it went."""

    async def run() -> dict[str, Any] | None:
        settings = load_settings()
        async with open_store(settings) as client:
            feeds = FeedStore(client)
            state = await feeds.get(shop_id)
            if state is None:
                return None
            await feeds.register(shop_id, state.feed)  # due now
            fetcher = FeedFetcher(settings.catalog_feed_trusted_hosts)
            await FeedSyncer(client, fetcher).sync(shop_id)
            synced = await feeds.get(shop_id)
            return None if synced is None else synced.as_dict()

    found = _run(run())
    if found is None:
        raise click.ClickException(f"shop {shop_id!r} has no catalogue feed")
    echo_json(found)
    if not (found["last_sync"] or {}).get("ok"):
        raise SystemExit(1)


@catalog.command()
@shop_option("The shop's id.", "shop_id")
@click.argument("product_id")
def show(shop_id: str, product_id: str) -> None:
    """Show one product as JSON."""

    async def run() -> Product | None:
        async with open_store(load_settings()) as client:
            return await CatalogStore(client, shop_id).get(product_id)

    product = _run(run())
    if product is None:
        raise click.ClickException(f"no product {product_id!r} in shop {shop_id!r}")
    echo_json(product.as_dict())
