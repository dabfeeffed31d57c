"""The `basketlift` command line: one module per command group."""

from __future__ import annotations

import click

from widget.cli.evaluate import evaluate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="basketlift")
def main() -> None:
    """Basketlift: recommendation widgets for online shops, paid from the uplift they bring."""


main.add_command(evaluate)
