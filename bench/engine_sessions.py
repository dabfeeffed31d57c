"""Next-item figures on diginetica: the served model and the baselines, plus latency.

    .venv/bin/python bench/engine_sessions.py [DATA_DIR]

Prints a table and writes bench/results/engine_sessions.json. Latency is one
`recommend()` call (20 items with reasons) in process, over 2,000 test contexts.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import orjson

from engine import BASELINES, DEFAULT_MODEL, create, evaluate, files

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "diginetica"
LATENCY_CASES = 2000


def main() -> None:
    item_ids, train = files.load_training(files.read_session_lines(DATA / "train.txt.gz"))
    cases = files.load_test_cases(files.read_session_lines(DATA / "test.txt.gz"), item_ids)
    picked = np.random.default_rng(0).choice(len(cases), LATENCY_CASES, replace=False)
    rows = []
    for name in (DEFAULT_MODEL, *BASELINES):
        model = create(name)
        record = evaluate(model, train, len(item_ids), cases, progress=True).as_record()
        timings = []
        for c in picked:
            context = cases.prefixes[int(c)].tolist()
            started = time.perf_counter()
            model.recommend(context, n=20)
            timings.append(1000 * (time.perf_counter() - started))
        record["p50_ms"] = round(float(np.percentile(timings, 50)), 3)
        record["p99_ms"] = round(float(np.percentile(timings, 99)), 3)
        rows.append(record)
        print("  ".join(f"{k}={v}" for k, v in record.items()), flush=True)
    (ROOT / "bench" / "results" / "engine_sessions.json").write_bytes(
        orjson.dumps(
            {"data": DATA.name, "cases": len(cases), "models": rows}, option=orjson.OPT_INDENT_2
        )
    )


if __name__ == "__main__":
    main()
