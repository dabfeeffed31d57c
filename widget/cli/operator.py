"""`basketlift operator`: operator accounts (who see every shop), and the links that an
operator hands over when no mail server is configured."""

from __future__ import annotations

import asyncio

import click

from widget.cli.common import load_settings, open_store
from widget.dashboard import AccountError, Accounts, invitation_link, issue_reset, reset_link


@click.group()
def operator() -> None:
    """Manage operator accounts of the dashboard (they see every shop), and hand out links."""


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


@operator.command("invitation-links")
@click.option("--email", required=True, help="The invited email.")
def invitation_links(email: str) -> None:
    """Print new links for the email's unused invitations, to hand to its owner.

    For deployments without BASKETLIFT_SMTP_URL: the admin who invites never sees the
    link, so that only the email's owner can accept. Earlier links stop working.
    """
    settings = load_settings()

    async def run() -> list[tuple[str, str]]:
        async with open_store(settings) as client:
            found = await Accounts(client).reissue_invitations(email)
        return [(invited.shop, invitation_link(settings, token)) for invited, token in found]

    try:
        links = asyncio.run(run())
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    if not links:
        raise click.ClickException(f"no unused invitation for {email}")
    for shop, link in links:
        click.echo(f"{shop}: {link}")


@operator.command("reset-link")
@click.option("--email", required=True, help="The email of the account.")
def reset_link_command(email: str) -> None:
    """Print a link that lets its holder choose a new password (once, for 2 hours).

    Hand it only to the owner of the email, once you are sure it is them.
    """
    settings = load_settings()

    async def run() -> str | None:
        async with open_store(settings) as client:
            user = await Accounts(client).by_email(email)
            return None if user is None else await issue_reset(client, user)

    token = asyncio.run(run())
    if token is None:
        raise click.ClickException(f"no account for {email}")
    click.echo(reset_link(settings, token))
