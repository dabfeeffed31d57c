"""`basketlift shop`: create shops, show them, rotate their keys, manage their origins."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

from tracker.errors import ShopError
from tracker.shops import Shop, ShopRegistry
from widget.cli.common import echo_json, load_settings, open_store

T = TypeVar("T")


def _run(operation: Callable[[ShopRegistry], Awaitable[T]]) -> T:
    async def run() -> T:
        async with open_store(load_settings()) as client:
            return await operation(ShopRegistry(client))

    try:
        return asyncio.run(run())
    except ShopError as error:
        raise click.ClickException(str(error)) from None


def _print_shop(shop: Shop, secret_key: str | None = None, as_json: bool = False) -> None:
    data: dict[str, Any] = shop.as_dict()
    if secret_key is not None:
        data["secret_key"] = secret_key
    if as_json:
        echo_json(data)
        return
    for name, value in data.items():
        shown = ", ".join(value) if isinstance(value, list) else value
        click.echo(f"{name + ':':<12} {shown}")
    if secret_key is not None:
        click.echo("Keep the secret key safe: it is stored only hashed and cannot be shown again.")


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.group()
def shop() -> None:
    """Create and manage shops, their keys and allowed origins."""


@shop.command()
@click.option("--name", required=True, help="The shop's display name.")
@click.option("--id", "shop_id", help="Shop id (a-z, 0-9, '-'); made from the name if absent.")
@click.option("--origin", "origins", multiple=True, help="An allowed origin; repeatable.")
@json_option
def create(name: str, shop_id: str | None, origins: tuple[str, ...], as_json: bool) -> None:
    """Create a shop; prints its id, public site key and secret API key."""
    issued = _run(lambda registry: registry.create(name, origins, shop_id))
    _print_shop(issued.shop, issued.secret_key, as_json)


@shop.command("list")
@json_option
def list_shops(as_json: bool) -> None:
    """List every shop."""
    shops = _run(lambda registry: registry.list())
    if as_json:
        echo_json([found.as_dict() for found in shops])
        return
    for found in shops:
        click.echo(f"{found.id:<24} {found.name:<30} {', '.join(found.origins)}")


@shop.command()
@click.argument("shop_id")
@json_option
def show(shop_id: str, as_json: bool) -> None:
    """Show one shop."""
    _print_shop(_run(lambda registry: registry.get(shop_id)), as_json=as_json)


@shop.command("rotate-key")
@click.argument("shop_id")
@click.option(
    "--key",
    type=click.Choice(["secret", "site"]),
    default="secret",
    show_default=True,
    help="Which key to replace; a new site key must go into the snippet.",
)
@json_option
def rotate_key(shop_id: str, key: str, as_json: bool) -> None:
    """Replace a shop's secret (or site) key; the old one stops working at once."""
    if key == "site":
        _print_shop(_run(lambda registry: registry.rotate_site_key(shop_id)), as_json=as_json)
        return
    secret = _run(lambda registry: registry.rotate_secret_key(shop_id))
    _print_shop(_run(lambda registry: registry.get(shop_id)), secret, as_json)


@shop.group()
def origins() -> None:
    """Allow or stop allowing the origins that may send events."""


@origins.command("add")
@click.argument("shop_id")
@click.argument("origin")
def add_origin(shop_id: str, origin: str) -> None:
    """Allow ORIGIN (e.g. https://shop.example) to send events for SHOP_ID."""
    _print_shop(_run(lambda registry: registry.add_origin(shop_id, origin)))


@origins.command("remove")
@click.argument("shop_id")
@click.argument("origin")
def remove_origin(shop_id: str, origin: str) -> None:
    """Stop allowing ORIGIN to send events for SHOP_ID."""
    _print_shop(_run(lambda registry: registry.remove_origin(shop_id, origin)))
