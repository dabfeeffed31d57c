"""Next-item figures on diginetica: the served model and the baselines, plus latency.

    .venv/bin/python bench/engine_sessions.py [DATA_DIR]

Prints one line per model and writes bench/results/engine_sessions.json. The latency of
one recommendation is measured by bench/engine_latency.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

from engine import BASELINES, DEFAULT_MODEL, create, evaluate, files

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "diginetica"


def main() -> None:
    item_ids, train = files.load_training(files.read_session_lines(DATA / "train.txt.gz"))
    cases = files.load_test_cases(files.read_session_lines(DATA / "test.txt.gz"), item_ids)
    rows = []
    for name in (DEFAULT_MODEL, *BASELINES):
        model = create(name)
        record = evaluate(model, train, len(item_ids), cases, progress=True).as_record()
        rows.append(record)
        print("  ".join(f"{k}={v}" for k, v in record.items()), flush=True)
    (ROOT / "bench" / "results" / "engine_sessions.json").write_bytes(
        orjson.dumps(
            {"data": DATA.name, "cases": len(cases), "models": rows}, option=orjson.OPT_INDENT_2
        )
    )


if __name__ == "__main__":
    main()
