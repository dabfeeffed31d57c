"""The long-tail trade-off curve of the served model: HR@20, MRR@20 and tail share@20
for each value of the one knob, `tail_boost`.

    .venv/bin/python bench/engine_longtail.py [DATA_DIR]

The knob is chosen on the validation split (last 10% of training sessions); the test
curve is printed beside it. Writes bench/results/engine_longtail.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

from engine import evaluate, files, served, validation_split
from engine.sessions import NextItemCases, Sessions

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "diginetica"
BOOSTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0)


def curve(
    split: str, train: Sessions, n_items: int, cases: NextItemCases
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for boost in BOOSTS:
        result = evaluate(served(boost), train, n_items, cases)
        base = rows[0] if rows else None
        row: dict[str, object] = {"split": split, "tail_boost": boost, **result.as_record()}
        if base is not None:
            row["hr_change"] = round(result.hr / float(base["hr@20"]) - 1, 4)  # type: ignore[arg-type]
            row["tail_change"] = round(result.tail_share / float(base["tail_share@20"]) - 1, 4)  # type: ignore[arg-type]
        rows.append(row)
        print(
            f"{split:>10} boost={boost:<5} hr@20={row['hr@20']:<7} mrr@20={row['mrr@20']:<7} "
            f"tail_share@20={row['tail_share@20']:<7} hr_change={row.get('hr_change', 0):<8} "
            f"tail_change={row.get('tail_change', 0)}",
            flush=True,
        )
    return rows


def main() -> None:
    item_ids, train = files.load_training(files.read_session_lines(DATA / "train.txt.gz"))
    cases = files.load_test_cases(files.read_session_lines(DATA / "test.txt.gz"), item_ids)
    fit_on, validation = validation_split(train)
    rows = curve("validation", fit_on, len(item_ids), validation)
    rows += curve("test", train, len(item_ids), cases)
    (ROOT / "bench" / "results" / "engine_longtail.json").write_bytes(
        orjson.dumps(rows, option=orjson.OPT_INDENT_2)
    )


if __name__ == "__main__":
    main()
