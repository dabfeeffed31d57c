"""`basketlift evaluate`: offline evaluation of the recommenders on files."""

from __future__ import annotations

from pathlib import Path

import click
import orjson

from engine import evaluation, files, models

_COLUMNS = (
    "model",
    "hr@20",
    "mrr@20",
    "coverage@20",
    "popularity@20",
    "tail_share@20",
    "train_s",
    "predict_ms",
)


@click.group()
def evaluate() -> None:
    """Evaluate the recommenders offline on session or order files."""


@evaluate.command()
@click.option(
    "--train",
    "train_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Training sessions: one per line, item ids in click order.",
)
@click.option(
    "--test",
    "test_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Test lines: a session prefix, then the item to predict.",
)
@click.option(
    "--model",
    "names",
    multiple=True,
    type=click.Choice(sorted(models.MODELS)),
    help="Model to evaluate (repeatable). Default: the served model and the baselines.",
)
@click.option(
    "--tail-boost",
    type=click.FloatRange(min=0.0),
    default=0.0,
    show_default=True,
    help="Long-tail knob of the served model: 0 = off; higher = deeper catalogue.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per model.")
def sessions(
    train_path: Path, test_path: Path, names: tuple[str, ...], tail_boost: float, as_json: bool
) -> None:
    """Next-item accuracy on session files (HR@20, MRR@20, coverage, popularity, tail)."""
    item_ids, train = files.load_training(files.read_session_lines(train_path))
    cases = files.load_test_cases(files.read_session_lines(test_path), item_ids)
    chosen = names or (models.DEFAULT_MODEL, *models.BASELINES)
    for name in chosen:
        model = models.served(tail_boost) if name == models.DEFAULT_MODEL else models.create(name)
        result = evaluation.evaluate(model, train, len(item_ids), cases, progress=True)
        record = result.as_record()
        if as_json:
            click.echo(orjson.dumps(record).decode())
        else:
            if name == chosen[0]:
                click.echo("  ".join(f"{c:>14}" for c in _COLUMNS))
            click.echo("  ".join(f"{record[c]:>14}" for c in _COLUMNS))
