"""`basketlift demo`: the whole product on real data in one command."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path
from typing import get_args

import click

from widget.cli.common import load_settings
from widget.demo import (
    DemoAlreadyThere,
    DemoOptions,
    DemoResult,
    LedgerBehind,
    ReplayError,
    RetailDataMissing,
    ServerError,
    SourceChoice,
    provenance,
    run_demo,
    summary_lines,
)
from widget.platform.embedded import EmbeddedStoreError

DEFAULT_ORDERS = 1000
DEFAULT_ADD_PROBABILITY = 0.25
DEFAULT_HOLDOUT = 0.2


def _print(lines: list[str]) -> None:
    for line in lines:
        click.echo(textwrap.fill(line, 100, subsequent_indent="  ") if len(line) > 100 else line)


def _links(result: DemoResult, serving: bool) -> list[str]:
    shop = result.shop
    page = (
        f"{shop.base_url}/demo/?site_key={shop.site_key}&product_id=85123A&price=2.55&currency=GBP"
    )
    lines = [
        f"Example shop page: {page}",
        f"Dashboard: {shop.base_url}/dashboard/login  email {shop.login_email}  "
        f"password {shop.login_password}",
    ]
    return lines + (["Serving until Ctrl-C."] if serving else [])


@click.command()
@click.option(
    "--orders",
    type=click.IntRange(min=2),
    default=DEFAULT_ORDERS,
    show_default=True,
    help="How many real orders to replay as visits (the latest ones of the data).",
)
@click.option(
    "--add-probability",
    type=click.FloatRange(0, 1),
    default=DEFAULT_ADD_PROBABILITY,
    show_default=True,
    help="Chance that a treatment visitor adds one recommended item to the order (simulated).",
)
@click.option(
    "--holdout",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=DEFAULT_HOLDOUT,
    show_default=True,
    help="Share of visitors held out (no widgets), in the shop's configuration and contract.",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the simulated browsing and adds.",
)
@click.option("--no-serve", is_flag=True, help="Print the summary and exit instead of serving.")
@click.option(
    "--port", type=click.IntRange(1, 65535), help="Port of the demo server [BASKETLIFT_PORT, 8000]."
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the demo's embedded store, models and invoices [BASKETLIFT_DATA_DIR].",
)
@click.option(
    "--retail-data",
    type=click.Choice(get_args(SourceChoice)),
    default="auto",
    show_default=True,
    help="Which Online Retail data: the full file in ../shared/data (auto: when found) or "
    "the subset shipped with Basketlift.",
)
def demo(
    orders: int,
    add_probability: float,
    holdout: float,
    seed: int,
    no_serve: bool,
    port: int | None,
    data_dir: Path | None,
    retail_data: SourceChoice,
) -> None:
    """Run the whole product on real Online Retail orders, then serve it until Ctrl-C.

    Creates a demo shop with the real catalogue on a private embedded store (never
    BASKETLIFT_REDIS_URL), replays real orders as visits through the HTTP API, trains
    the models, issues the month's invoice and prints a summary, the example shop page
    and a dashboard login.
    """
    settings = load_settings()
    options = DemoOptions(
        orders=orders,
        add_probability=add_probability,
        holdout=holdout,
        seed=seed,
        data_dir=data_dir or settings.data_dir,
        host=settings.host,
        port=port or settings.port,
        retail=retail_data,
        serve=not no_serve,
    )

    def report(result: DemoResult) -> None:
        click.echo()
        _print(provenance(result, add_probability) + summary_lines(result))
        for line in _links(result, options.serve):
            click.echo(line)

    try:
        asyncio.run(run_demo(options, click.echo, report))
    except DemoAlreadyThere:
        raise click.ClickException(
            f"{options.data_dir} holds the demo of an earlier run: give another --data-dir, or "
            f"remove that folder; `BASKETLIFT_DATA_DIR={options.data_dir} basketlift serve` "
            "serves it again."
        ) from None
    except (RetailDataMissing, EmbeddedStoreError, ServerError, ReplayError, LedgerBehind) as error:
        raise click.ClickException(str(error)) from None
    except KeyboardInterrupt:
        click.echo("Stopped.")
