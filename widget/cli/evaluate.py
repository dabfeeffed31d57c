"""`basketlift evaluate`: offline evaluation of the recommenders on files."""

from __future__ import annotations

import click


@click.group()
def evaluate() -> None:
    """Evaluate the recommenders offline on session or order files."""
