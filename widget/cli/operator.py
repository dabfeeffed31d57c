"""`basketlift operator`: accounts of the deployment's operators, who see every shop."""

from __future__ import annotations

import asyncio

import click

from widget.cli.common import load_settings, open_store
from widget.dashboard import AccountError, Accounts


@click.group()
def operator() -> None:
    """Manage operator accounts of the dashboard (they see every shop)."""


@operator.command("create")
@click.option("--email", required=True, help="The operator's email, used to log in.")
@click.password_option(
    "--password",
    help="At least 12 characters; asked for (twice, hidden) when not given.",
)
def create(email: str, password: str) -> None:
    """Create an operator account."""

    async def run() -> str:
        async with open_store(load_settings()) as client:
            return (await Accounts(client).create_user(email, password, operator=True)).email

    try:
        created = asyncio.run(run())
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Operator {created} created: log in at /dashboard/login.")
