"""Fits the served model's re-ranker on a validation split carved from the training file.

    .venv/bin/python bench/engine_tuning.py [DATA_DIR]

Fits the candidate hybrid on the first 90% of training sessions and gathers the features
of the candidates of every prefix of the last 10%. The weights are fitted on one half of
those cases and checked on the other (both ways), then fitted on all of them and written
to engine/ranker_weights.json, which `engine.models.served` loads. The test file is never
read. Writes bench/results/engine_tuning.json.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import orjson
import scipy.sparse as sp

from engine import files, validation_split
from engine.metrics import hit_rate, mrr
from engine.models import RANKER_WEIGHTS_FILE, candidate_hybrid
from engine.reranker import FEATURES, Candidates, LearnedRanker, fit_ranker_weights
from engine.sessions import NextItemCases, Sessions
from engine.topk import top_k

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "diginetica"
BATCH = 5000


def gather(model: LearnedRanker, prefixes: Sessions) -> Candidates:
    parts = []
    for start in range(0, len(prefixes), BATCH):
        found = model.candidates_of(
            prefixes.select(np.arange(start, min(start + BATCH, len(prefixes))))
        )
        parts.append(Candidates(found.rows + start, found.items, found.features))
    return Candidates(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in Candidates.__dataclass_fields__)
    )


def subset(
    found: Candidates, cases: NextItemCases, which: npt.NDArray[np.bool_]
) -> tuple[Candidates, npt.NDArray[np.int32]]:
    """The candidates of the cases in `which` (mask), renumbered, and their targets."""
    new_row = np.cumsum(which) - 1
    kept = which[found.rows]
    return Candidates(
        new_row[found.rows[kept]], found.items[kept], found.features[kept]
    ), cases.targets[which]


def figures(
    found: Candidates, logits: npt.NDArray[np.float32], targets: npt.NDArray[np.int32]
) -> dict[str, float]:
    """HR@20 and MRR@20 of the candidates ordered by `logits` (shifted to stay positive)."""
    positive = logits - logits.min() + 1
    shape = (len(targets), int(found.items.max()) + 1)
    ranked, _ = top_k(sp.csr_matrix((positive, (found.rows, found.items)), shape=shape), 20)
    return {"hr@20": round(hit_rate(ranked, targets), 4), "mrr@20": round(mrr(ranked, targets), 4)}


def main() -> None:
    item_ids, train = files.load_training(files.read_session_lines(DATA / "train.txt.gz"))
    fit_on, cases = validation_split(train)
    started = time.perf_counter()
    model = LearnedRanker(candidate_hybrid(), [0.0] * len(FEATURES)).fit(fit_on, len(item_ids))
    found = gather(model, cases.prefixes)
    print(
        f"{len(cases)} validation cases, {len(found.rows)} candidates, "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )
    rank_order = -np.log1p(found.features[:, FEATURES.index("log_rank")])
    halves = np.arange(len(cases)) < len(cases) // 2
    checks = []
    for name, fit_mask in (("A->B", halves), ("B->A", ~halves)):
        on, on_targets = subset(found, cases, fit_mask)
        held, held_targets = subset(found, cases, ~fit_mask)
        weights = fit_ranker_weights(on, on_targets)
        row = {
            "fit": name,
            "hybrid": figures(held, rank_order[~fit_mask[found.rows]], held_targets),
            "reranked": figures(held, held.features @ weights.astype(np.float32), held_targets),
        }
        checks.append(row)
        print(orjson.dumps(row).decode(), flush=True)
    weights = fit_ranker_weights(found, cases.targets)
    RANKER_WEIGHTS_FILE.write_bytes(
        orjson.dumps(
            {
                "tuned_on": f"{DATA.name} validation split: last 10% of training sessions, "
                f"{len(cases)} prefixes",
                "weights": dict(zip(FEATURES, np.round(weights, 5).tolist(), strict=True)),
            },
            option=orjson.OPT_INDENT_2,
        )
    )
    (ROOT / "bench" / "results" / "engine_tuning.json").write_bytes(
        orjson.dumps({"cases": len(cases), "checks": checks}, option=orjson.OPT_INDENT_2)
    )
    print(f"wrote {RANKER_WEIGHTS_FILE} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
