"""Cut the Online Retail slice shipped in the package, so an installed demo has real data.

    python -m widget.demo.make_subset --source ../shared/data/online-retail/online_retail.csv.gz

The slice: the purchase lines (as `retail.is_purchase` keeps them) of the invoices of the
data set's last `--days` days whose product is one of the `--products` most ordered
products of those days; invoices left with fewer than two lines are dropped. Every row is
a row of the original file, unchanged. The same source and options give the same bytes.
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import click
from tqdm import tqdm

from widget.cli import input_file
from widget.demo.retail import PACKAGED, RetailRow, purchase_rows, write_rows

DAYS = 30
PRODUCTS = 200


def cut(rows: list[RetailRow], days: int, products: int) -> list[RetailRow]:
    """The slice of `rows` (purchase rows in file order) described in the module docstring."""
    end = max(datetime.fromisoformat(row.date) for row in rows)
    start = (end - timedelta(days=days)).isoformat(sep=" ")
    recent = [row for row in rows if row.date >= start]
    orders = Counter(code for _, code in {(row.invoice, row.code) for row in recent})
    # ties broken by code, so that the cut never depends on the order of a set
    ranked = sorted(orders.items(), key=lambda item: (-item[1], item[0]))
    kept = {code for code, _ in ranked[:products]}
    lines = [row for row in recent if row.code in kept]
    per_invoice = Counter(row.invoice for row in lines)
    return [row for row in lines if per_invoice[row.invoice] >= 2]


@click.command()
@input_file(
    "--source",
    "source",
    "The full Online Retail CSV (gzip): ../shared/data/online-retail/online_retail.csv.gz.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=PACKAGED,
    show_default=True,
    help="Where to write the slice (gzip CSV).",
)
@click.option(
    "--days", type=click.IntRange(min=1), default=DAYS, show_default=True, help="Last days kept."
)
@click.option(
    "--products",
    type=click.IntRange(min=1),
    default=PRODUCTS,
    show_default=True,
    help="How many of the most ordered products are kept.",
)
def main(source: Path, output: Path, days: int, products: int) -> None:
    """Write the packaged Online Retail slice of the demo."""
    with tqdm(total=source.stat().st_size, unit="B", unit_scale=True, file=sys.stderr) as bar:
        rows = list(purchase_rows(source, lambda done: bar.update(done - bar.n)))
    sliced = cut(rows, days, products)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(write_rows(sliced))
    invoices = len({row.invoice for row in sliced})
    click.echo(
        f"{len(sliced)} lines, {invoices} invoices, {output.stat().st_size:,} bytes: {output}"
    )


if __name__ == "__main__":
    main()
