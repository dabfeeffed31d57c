"""`basketlift evaluate`: offline evaluation of the recommenders on files.

`sessions` measures next-item accuracy on session files; `baskets` measures basket
completion on an order-line file. Both print a table, or one JSON object per model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import click
import orjson

from engine import basket_evaluation, evaluation, files, models
from engine.basket import CONFIDENCE_RULES, BoughtTogether
from engine.itemknn import ItemCosine
from engine.orders import OrderLines
from engine.popularity import Popularity
from engine.recommender import Recommender
from widget.cli.common import Command, input_file

SESSION_COLUMNS = (
    "model",
    "hr@20",
    "mrr@20",
    "coverage@20",
    "popularity@20",
    "tail_share@20",
    "train_s",
    "predict_ms",
)
BASKET_COLUMNS = (
    "model",
    "hr@10",
    "mrr@10",
    "coverage@10",
    "revenue_hr@10",
    "train_s",
    "predict_ms",
)
# A basket has no order: every item of it counts fully for the item-item baseline.
_WHOLE_BASKET = 1e6

BASKET_MODELS: dict[str, Callable[[], Recommender]] = {
    "bought_together": BoughtTogether,
    "pop": Popularity,
    "ar": lambda: BoughtTogether(CONFIDENCE_RULES, name="ar"),
    "item_cosine": lambda: ItemCosine(click_decay=_WHOLE_BASKET),
}


def _models_option(choices: Iterable[str], default: str) -> Callable[[Command], Command]:
    return click.option(
        "--model",
        "names",
        multiple=True,
        type=click.Choice(sorted(choices)),
        help=f"Model to evaluate (repeatable). Default: {default}.",
    )


_json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object per model."
)


def _echo_records(
    records: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    width: int,
    as_json: bool,
    heading: Callable[[Mapping[str, Any]], str | None] = lambda _: None,
) -> None:
    """Each model's record as it is computed: JSON lines, or a table under a header."""
    for number, record in enumerate(records):
        if as_json:
            click.echo(orjson.dumps(record).decode())
            continue
        if number == 0:
            title = heading(record)
            if title:
                click.echo(title)
            click.echo("  ".join(f"{c:>{width}}" for c in columns))
        click.echo("  ".join(f"{record[c]:>{width}}" for c in columns))


@click.group()
def evaluate() -> None:
    """Evaluate the recommenders offline on session or order files."""


@evaluate.command()
@input_file("--train", "train_path", "Training sessions: one per line, item ids in click order.")
@input_file("--test", "test_path", "Test lines: a session prefix, then the item to predict.")
@_models_option(models.MODELS, "the served model and the baselines")
@click.option(
    "--tail-boost",
    type=click.FloatRange(min=0.0),
    default=0.0,
    show_default=True,
    help="Long-tail knob of the served model: 0 = off; higher = deeper catalogue.",
)
@_json_option
def sessions(
    train_path: Path, test_path: Path, names: tuple[str, ...], tail_boost: float, as_json: bool
) -> None:
    """Next-item accuracy on session files (HR@20, MRR@20, coverage, popularity, tail)."""
    item_ids, train = files.load_training(files.read_session_lines(train_path))
    cases = files.load_test_cases(files.read_session_lines(test_path), item_ids)

    def records() -> Iterable[Mapping[str, Any]]:
        for name in names or (models.DEFAULT_MODEL, *models.BASELINES):
            model = (
                models.served(tail_boost) if name == models.DEFAULT_MODEL else models.create(name)
            )
            yield evaluation.evaluate(model, train, len(item_ids), cases, progress=True).as_record()

    _echo_records(records(), SESSION_COLUMNS, 14, as_json)


@evaluate.command()
@input_file(
    "--orders",
    "orders_path",
    "Order lines (CSV with InvoiceNo, StockCode, Quantity, InvoiceDate, UnitPrice).",
)
@click.option(
    "--test-days",
    type=click.FloatRange(min=1.0),
    default=basket_evaluation.TEST_DAYS,
    show_default=True,
    help="The last days of invoices held out as the test period.",
)
@_models_option(BASKET_MODELS, "bought_together and the baselines")
@_json_option
def baskets(orders_path: Path, test_days: float, names: tuple[str, ...], as_json: bool) -> None:
    """Basket completion: hide one item of each test basket, recommend it back (HR@10,
    MRR@10, coverage, revenue-weighted hit rate)."""
    data = basket_evaluation.split(OrderLines.read_csv(orders_path), test_days)
    records = (
        basket_evaluation.evaluate_baskets(BASKET_MODELS[name](), data).as_record()
        for name in names or tuple(BASKET_MODELS)
    )
    _echo_records(
        records,
        BASKET_COLUMNS,
        15,
        as_json,
        heading=lambda first: f"{first['cases']} test baskets, one item hidden in each",
    )
