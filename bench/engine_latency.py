"""Latency of one recommendation in process: the serving path of the served model.

    .venv/bin/python bench/engine_latency.py [DATA_DIR]

Fits the served model on the training file, then times `recommend(context, n=20,
exclude=context)` (20 items with reasons, as the widget asks) one call at a time over
2,000 real test prefixes, after a warm-up. Prints p50/p99 and writes
bench/results/engine_latency.json.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import orjson

from engine import files, served

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "diginetica"
CONTEXTS = 2000
WARM_UP = 200


def main() -> None:
    item_ids, train = files.load_training(files.read_session_lines(DATA / "train.txt.gz"))
    cases = files.load_test_cases(files.read_session_lines(DATA / "test.txt.gz"), item_ids)
    model = served().fit(train, len(item_ids))
    picked = np.random.default_rng(0).choice(len(cases), CONTEXTS + WARM_UP, replace=False)
    contexts = [cases.prefixes[int(c)].tolist() for c in picked]
    timings = []
    for i, context in enumerate(contexts):
        started = time.perf_counter()
        model.recommend(context, n=20, exclude=context)
        if i >= WARM_UP:
            timings.append(1000 * (time.perf_counter() - started))
    figures = {
        "model": model.name,
        "contexts": len(timings),
        "p50_ms": round(float(np.percentile(timings, 50)), 3),
        "p99_ms": round(float(np.percentile(timings, 99)), 3),
        "max_ms": round(float(np.max(timings)), 3),
    }
    print("  ".join(f"{k}={v}" for k, v in figures.items()))
    (ROOT / "bench" / "results" / "engine_latency.json").write_bytes(
        orjson.dumps({"data": DATA.name, **figures}, option=orjson.OPT_INDENT_2)
    )


if __name__ == "__main__":
    main()
