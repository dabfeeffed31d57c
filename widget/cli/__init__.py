"""The `basketlift` command line: one module per command group."""

from __future__ import annotations

import click

from widget.cli.billing import billing
from widget.cli.catalog import catalog
from widget.cli.common import input_file
from widget.cli.demo import demo
from widget.cli.evaluate import evaluate
from widget.cli.events import events
from widget.cli.invoice import invoice
from widget.cli.operator import operator
from widget.cli.serve import consume, serve
from widget.cli.shop import shop
from widget.cli.train import train


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="basketlift")
def main() -> None:
    """Basketlift: recommendation widgets for online shops, paid from the uplift they bring."""


main.add_command(demo)
main.add_command(serve)
main.add_command(consume)
main.add_command(shop)
main.add_command(events)
main.add_command(catalog)
main.add_command(train)
main.add_command(invoice)
main.add_command(billing)
main.add_command(operator)
main.add_command(evaluate)

__all__ = ["input_file", "main"]
