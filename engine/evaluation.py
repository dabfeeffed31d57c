"""Offline evaluation of next-item recommenders: fit, rank every case, measure.

The protocol of the SR-GNN papers and the session-rec framework: each case is a session
prefix and the item that followed it; a model ranks 20 items per case and is judged by
HR@20, MRR@20, coverage@20, popularity@20 and the long-tail share@20.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from engine.metrics import Ranked, coverage, hit_rate, mrr, popularity, tail_share
from engine.recommender import Recommender
from engine.sessions import NextItemCases, Sessions

CUTOFF = 20


@dataclass(frozen=True)
class Evaluation:
    """The figures of one model on one set of cases (all metrics at CUTOFF)."""

    model: str
    hr: float
    mrr: float
    coverage: float
    popularity: float
    tail_share: float
    train_s: float
    predict_ms: float
    cases: int

    def as_record(self) -> dict[str, str | float | int]:
        """The JSON object printed by `basketlift evaluate sessions --json`."""
        metrics = {
            "hr": self.hr,
            "mrr": self.mrr,
            "coverage": self.coverage,
            "popularity": self.popularity,
            "tail_share": self.tail_share,
        }
        return figures_record(self.model, CUTOFF, metrics, self.train_s, self.predict_ms)


def figures_record(
    model: str, cutoff: int, metrics: dict[str, float], train_s: float, predict_ms: float
) -> dict[str, str | float | int]:
    """One model's figures as printed: each metric `name@cutoff` to 4 decimals, then times."""
    return {
        "model": model,
        **{f"{name}@{cutoff}": round(value, 4) for name, value in metrics.items()},
        "train_s": round(train_s, 2),
        "predict_ms": round(predict_ms, 4),
    }


def rank_cases(
    model: Recommender,
    cases: NextItemCases,
    n: int = CUTOFF,
    batch_size: int = 2000,
    progress: bool = False,
) -> Ranked:
    """The n best items (n_cases, n) of a fitted model for every case, in batches."""
    batches = range(0, len(cases), batch_size)
    ranked = [
        model.recommend_batch(
            cases.prefixes.select(np.arange(start, min(start + batch_size, len(cases)))), n
        ).items
        for start in tqdm(batches, desc=model.name, unit="batch", disable=not progress)
    ]
    return np.vstack(ranked) if ranked else np.zeros((0, n), dtype=np.int32)


def measure(
    name: str,
    ranked: Ranked,
    cases: NextItemCases,
    counts: np.ndarray,
    train_s: float,
    predict_s: float,
) -> Evaluation:
    """The figures of lists `ranked` (n_cases, n) against the cases' targets.

    `counts` (n_items,) are training occurrences: popularity and the long-tail head.
    """
    return Evaluation(
        model=name,
        hr=hit_rate(ranked, cases.targets),
        mrr=mrr(ranked, cases.targets),
        coverage=coverage(ranked, len(counts)),
        popularity=popularity(ranked, counts),
        tail_share=tail_share(ranked, counts),
        train_s=train_s,
        predict_ms=1000 * predict_s / max(len(cases), 1),
        cases=len(cases),
    )


def evaluate(
    model: Recommender,
    train: Sessions,
    n_items: int,
    cases: NextItemCases,
    progress: bool = False,
) -> Evaluation:
    """Fit `model` on `train` (item indices < n_items), rank every case, measure."""
    started = time.perf_counter()
    model.fit(train, n_items)
    fitted = time.perf_counter()
    ranked = rank_cases(model, cases, progress=progress)
    done = time.perf_counter()
    return measure(model.name, ranked, cases, model.popularity, fitted - started, done - fitted)


def validation_split(sessions: Sessions, share: float = 0.1) -> tuple[Sessions, NextItemCases]:
    """The first (1 - share) of the sessions to fit on, and every prefix of the last
    `share` as cases: tuning data carved from the training file alone."""
    cut = int(round(len(sessions) * (1 - share)))
    fit_on = sessions.select(np.arange(cut))
    return fit_on, NextItemCases.from_sessions(sessions.select(np.arange(cut, len(sessions))))
