"""`basketlift evaluate baskets`: basket completion on an order-line file, beside baselines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
import orjson

from engine import basket_evaluation
from engine.basket import CONFIDENCE_RULES, BoughtTogether
from engine.itemknn import ItemCosine
from engine.orders import OrderLines
from engine.popularity import Popularity
from engine.recommender import Recommender

COLUMNS = ("model", "hr@10", "mrr@10", "coverage@10", "revenue_hr@10", "train_s", "predict_ms")
# A basket has no order: every item of it counts fully for the item-item baseline.
_WHOLE_BASKET = 1e6

BASKET_MODELS: dict[str, Callable[[], Recommender]] = {
    "bought_together": BoughtTogether,
    "pop": Popularity,
    "ar": lambda: BoughtTogether(CONFIDENCE_RULES, name="ar"),
    "item_cosine": lambda: ItemCosine(click_decay=_WHOLE_BASKET),
}


@click.command()
@click.option(
    "--orders",
    "orders_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Order lines (CSV with InvoiceNo, StockCode, Quantity, InvoiceDate, UnitPrice).",
)
@click.option(
    "--test-days",
    type=click.FloatRange(min=1.0),
    default=basket_evaluation.TEST_DAYS,
    show_default=True,
    help="The last days of invoices held out as the test period.",
)
@click.option(
    "--model",
    "names",
    multiple=True,
    type=click.Choice(sorted(BASKET_MODELS)),
    help="Model to evaluate (repeatable). Default: bought_together and the baselines.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per model.")
def baskets(orders_path: Path, test_days: float, names: tuple[str, ...], as_json: bool) -> None:
    """Basket completion: hide one item of each test basket, recommend it back (HR@10,
    MRR@10, coverage, revenue-weighted hit rate)."""
    data = basket_evaluation.split(OrderLines.read_csv(orders_path), test_days)
    chosen = names or tuple(BASKET_MODELS)
    for name in chosen:
        record = basket_evaluation.evaluate_baskets(BASKET_MODELS[name](), data).as_record()
        if as_json:
            click.echo(orjson.dumps(record).decode())
            continue
        if name == chosen[0]:
            click.echo(f"{record['cases']} test baskets, one item hidden in each")
            click.echo("  ".join(f"{c:>15}" for c in COLUMNS))
        click.echo("  ".join(f"{record[c]:>15}" for c in COLUMNS))
