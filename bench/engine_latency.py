"""Latency of one recommendation in process: the serving path of the served models.

    .venv/bin/python -m bench.engine_latency [DATA_DIR]

Fits the served model on the training file, then times `recommend(context, n=20,
exclude=context)` (20 items with reasons, as the widget asks) one call at a time over
2,000 real test prefixes, after a warm-up: for the model of the session placements and
for its long-tail variant of the discovery placement. Target: p99 under 5 ms. Prints a
table and writes bench/results/engine_latency.json.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

from bench.harness import print_table, save_results
from engine import files, served
from engine.longtail import LongTail
from engine.recommender import Recommender
from widget.recommendations.models import DISCOVERY_TAIL_BOOST

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "diginetica"
CONTEXTS = 2000
WARM_UP = 200


def timings_ms(model: Recommender, contexts: list[list[int]]) -> list[float]:
    timings = []
    for i, context in enumerate(contexts):
        started = time.perf_counter()
        model.recommend(context, n=20, exclude=context)
        if i >= WARM_UP:
            timings.append(1000 * (time.perf_counter() - started))
    return timings


def main() -> None:
    item_ids, train = files.load_training(files.read_session_lines(DATA / "train.txt.gz"))
    cases = files.load_test_cases(files.read_session_lines(DATA / "test.txt.gz"), item_ids)
    # As the server loads them: one fit, the discovery model wrapping the session model.
    discovery = LongTail(served(), DISCOVERY_TAIL_BOOST).fit(train, len(item_ids))
    model = discovery.base
    picked = np.random.default_rng(0).choice(len(cases), CONTEXTS + WARM_UP, replace=False)
    contexts = [cases.prefixes[int(c)].tolist() for c in picked]
    rows = []
    for name, recommender in (("basketlift", model), ("basketlift+tail (discovery)", discovery)):
        timings = timings_ms(recommender, contexts)
        rows.append(
            {
                "model": name,
                "contexts": len(timings),
                "p50_ms": round(float(np.percentile(timings, 50)), 3),
                "p99_ms": round(float(np.percentile(timings, 99)), 3),
                "max_ms": round(float(np.max(timings)), 3),
            }
        )
    print_table(rows, f"One recommendation in process, {DATA.name}, {os.cpu_count()} cores")
    path = save_results("engine_latency", {"data": DATA.name, "items": len(item_ids), "rows": rows})
    print(f"saved {path}")


if __name__ == "__main__":
    main()
