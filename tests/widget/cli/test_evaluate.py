"""`basketlift evaluate sessions` on the yoochoose sample written as session lines."""

from __future__ import annotations

from pathlib import Path

import orjson
from click.testing import CliRunner

from engine.sessions import ItemIds, NextItemCases, Sessions
from widget.cli import main

Data = tuple[ItemIds, Sessions, NextItemCases]
KEYS = [
    "model",
    "hr@20",
    "mrr@20",
    "coverage@20",
    "popularity@20",
    "tail_share@20",
    "train_s",
    "predict_ms",
]


def write_lines(path: Path, item_ids: ItemIds, sessions: Sessions) -> Path:
    lines = (" ".join(item_ids.external(sessions[s])) for s in range(len(sessions)))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_json_lines_per_model(tmp_path: Path, yoochoose: Data) -> None:
    item_ids, train, cases = yoochoose
    chosen = range(0, len(cases), 20)
    tests = Sessions.from_lists(
        [[*cases.prefixes[c].tolist(), int(cases.targets[c])] for c in chosen]
    )
    args = [
        "evaluate",
        "sessions",
        "--json",
        "--model",
        "basketlift",
        "--model",
        "pop",
        "--train",
        str(write_lines(tmp_path / "train.txt", item_ids, train)),
        "--test",
        str(write_lines(tmp_path / "test.txt", item_ids, tests)),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    records = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert [r["model"] for r in records] == ["basketlift", "pop"]
    assert all(list(r) == KEYS for r in records)
    assert records[0]["hr@20"] > records[1]["hr@20"]


def test_evaluate_commands_have_help() -> None:
    result = CliRunner().invoke(main, ["evaluate", "sessions", "--help"])
    assert result.exit_code == 0 and "--tail-boost" in result.output
