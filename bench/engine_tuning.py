"""Tuning of the served hybrid on a validation split carved from the training file only.

    .venv/bin/python bench/engine_tuning.py [DATA_DIR]

Fits the members on the first 90% of training sessions, scores a fixed sample of 20,000
prefixes of the last 10%, and grid-searches the hybrid weights. The test file is never
read. Writes bench/results/engine_tuning.json.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import orjson

from engine import files, validation_split
from engine.hybrid import scaled_to_row_max
from engine.metrics import hit_rate, mrr
from engine.models import SERVED_NEIGHBOURHOOD, SERVED_REPEAT_DECAY, SERVED_RULES
from engine.neighbourhood import SessionNeighbourhood
from engine.popularity import Repeats
from engine.recommender import Recommender
from engine.rules import SequentialRules
from engine.sessions import NextItemCases
from engine.topk import top_k

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "diginetica"
SAMPLE = 20_000


def main() -> None:
    item_ids, train = files.load_training(files.read_session_lines(DATA / "train.txt.gz"))
    fit_on, validation = validation_split(train)
    picked = np.sort(np.random.default_rng(0).choice(len(validation), SAMPLE, replace=False))
    cases = NextItemCases(validation.prefixes.select(picked), validation.targets[picked])
    members: dict[str, Recommender] = {
        "neighbours": SessionNeighbourhood(SERVED_NEIGHBOURHOOD),
        "neighbours_k100": SessionNeighbourhood(replace(SERVED_NEIGHBOURHOOD, k=100)),
        "rules": SequentialRules(SERVED_RULES),
        "rules_no_fade": SequentialRules(replace(SERVED_RULES, session_decay=None)),
        "repeats": Repeats(SERVED_REPEAT_DECAY),
    }
    scores = {}
    for name, member in members.items():
        scores[name] = scaled_to_row_max(member.fit(fit_on, len(item_ids)).score(cases.prefixes))
    rows = []
    grid = itertools.product(
        ["neighbours", "neighbours_k100"],
        ["rules", "rules_no_fade"],
        [0.0, 0.2, 0.35],
        [0.0, 1.0, 2.5, 4.0],
    )
    for knn, rules, w_rules, w_repeats in grid:
        total = scores[knn] + w_rules * scores[rules] + w_repeats * scores["repeats"]
        ranked, _ = top_k(total, 20)
        row = {
            "neighbours": knn,
            "rules": rules,
            "w_rules": w_rules,
            "w_repeats": w_repeats,
            "hr@20": round(hit_rate(ranked, cases.targets), 4),
            "mrr@20": round(mrr(ranked, cases.targets), 4),
        }
        rows.append(row)
        print("  ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    (ROOT / "bench" / "results" / "engine_tuning.json").write_bytes(
        orjson.dumps(rows, option=orjson.OPT_INDENT_2)
    )


if __name__ == "__main__":
    main()
