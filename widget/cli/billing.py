"""`basketlift billing`: the ledger's stream consumer and its recompute from raw records."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

import click

from billing.contract_store import contract_in_force
from billing.errors import BillingError, NoContractInForce
from billing.period_lock import period_lock
from billing.periods import Period
from billing.rebuild import rebuild_period
from tracker.archive import Archive
from widget.cli.common import echo_json, load_settings, open_store, shop_option
from widget.invoices import ORDER_LOG, ledger_updater


def _period(context: click.Context, parameter: click.Parameter, value: str) -> Period:
    try:
        return Period.parse(value)
    except BillingError as error:
        raise click.BadParameter(str(error)) from None


@click.group()
def billing() -> None:
    """Measure the uplift: feed the ledger from the streams, and check it."""


@billing.command()
@click.option("--once", is_flag=True, help="Apply what is waiting, then exit.")
def consume(once: bool) -> None:
    """Apply every shop's events and orders to the billing ledger (consumer group `billing`)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    async def run() -> int:
        async with open_store(load_settings()) as client:
            updater = ledger_updater(client)
            if not once:
                # Ctrl-C or SIGTERM ends the round in progress, then the command.
                stop = asyncio.Event()
                for sig in (signal.SIGINT, signal.SIGTERM):
                    asyncio.get_running_loop().add_signal_handler(sig, stop.set)
                await updater.run(stop)
                return 0
            applied = 0
            while found := await updater.run_once():
                applied += found
            return applied

    try:
        applied = asyncio.run(run())
    except KeyboardInterrupt:
        return
    click.echo(f"{applied} entries applied")


@billing.command()
@shop_option("The shop whose period is rebuilt.")
@click.option("--period", required=True, callback=_period, help="The month, as YYYY-MM.")
@click.option(
    "--currency",
    default="EUR",
    show_default=True,
    help="Only for a shop without a contract: the currency the statistics are labelled in.",
)
def recompute(shop: str, period: Period, currency: str) -> None:
    """Rebuild the period's statistics from raw events and orders; exit 1 if the ledger differs."""

    async def compare(client: Any) -> dict[str, Any]:
        try:
            contract = await contract_in_force(client, shop, period)
        except NoContractInForce:
            contract = None
        lock = await period_lock(client, shop, period)
        if lock is not None:
            cap = lock.revenue_cap_minor
        else:
            cap = contract.revenue_cap_minor if contract else None
        found = await rebuild_period(
            client,
            shop,
            period,
            ORDER_LOG,
            contract.currency if contract else currency,
            cap,
            lock,
            Archive.open(settings.archive_location),
        )
        pooled_differs = (
            lock is not None
            and lock.cap_source == "pooled"
            and lock.revenue_cap_minor != found.check.pooled_cap_minor
        )
        days = sorted(found.client_orders_ledger.keys() | found.client_orders_recomputed.keys())
        return {
            "shop": shop,
            "period": str(period),
            "matches": found.matches and not pooled_differs,
            "days": len(found.check.recomputed),
            "revenue_cap_minor": cap,
            "recomputed_pooled_cap_minor": found.check.pooled_cap_minor,
            "differences": [
                {
                    "day": difference.day.isoformat(),
                    "arm": difference.arm,
                    "field": difference.field,
                    "ledger": difference.ledger,
                    "recomputed": difference.recomputed,
                }
                for difference in found.differences
            ],
            "client_orders": {
                day.isoformat(): {
                    "ledger": found.client_orders_ledger.get(day, 0),
                    "recomputed": found.client_orders_recomputed.get(day, 0),
                }
                for day in days
            },
        }

    settings = load_settings()

    async def run() -> dict[str, Any]:
        async with open_store(settings) as client:
            return await compare(client)

    try:
        report = asyncio.run(run())
    except BillingError as error:
        raise click.ClickException(str(error)) from None
    echo_json(report)
    if not report["matches"]:
        raise SystemExit(1)
