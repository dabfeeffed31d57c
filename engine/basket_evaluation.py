"""Offline evaluation of basket completion on order lines: hide one item, recommend it back.

The protocol: cancellations and adjustments removed; the last `test_days` days of
invoices are the test period, the rest trains. Every test basket with at least 2
distinct products has one of them hidden (chosen at random with a fixed seed); a model
recommends 10 items from the rest, never items already in the basket. Figures: HR@10,
MRR@10, coverage@10 and the revenue-weighted hit rate (value of hidden items found /
value of all hidden items; value = quantity x unit price). Tuning uses `validation`,
the same protocol inside the training period.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine.errors import EmptyData
from engine.evaluation import figures_record
from engine.metrics import Ranked, coverage, hit_rate, mrr
from engine.orders import Baskets, OrderLines, catalogue
from engine.recommender import Recommender
from engine.sessions import ItemIds, NextItemCases, Sessions

CUTOFF = 10
TEST_DAYS = 30.0


@dataclass(frozen=True)
class BasketCases:
    """Hidden-item cases: `cases` (a prefix = the rest of the basket, a target = the hidden
    item, -1 if unknown to training) and the value (n_cases,) of each hidden item."""

    cases: NextItemCases
    values: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class BasketSplit:
    """Training baskets over a catalogue, and the cases of the held-out period."""

    item_ids: ItemIds
    train: Sessions
    test: BasketCases


def hide_one(baskets: Baskets, seed: int = 0) -> BasketCases:
    """One case per basket of >= 2 items: a random item hidden, the known rest as context."""
    chosen = baskets.items.lengths >= 2
    items = baskets.items.select(chosen)
    values = _select_values(baskets, chosen)
    rng = np.random.default_rng(seed)
    hidden = items.offsets[:-1] + (rng.random(len(items)) * items.lengths).astype(np.int64)
    is_hidden = np.zeros(len(items.items), dtype=bool)
    is_hidden[hidden] = True
    rest = items.drop(is_hidden | (items.items < 0))
    return BasketCases(NextItemCases(rest, items.items[hidden]), values[hidden])


def _select_values(baskets: Baskets, chosen: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
    per_item_chosen = np.repeat(chosen, baskets.items.lengths)
    return baskets.values[per_item_chosen]


def split(lines: OrderLines, test_days: float = TEST_DAYS, seed: int = 0) -> BasketSplit:
    """Purchases of `lines` split by time: the catalogue and baskets before the last
    `test_days` days, and the hidden-item cases of those days."""
    before, after = lines.purchases().split(test_days)
    if len(before) == 0 or len(after) == 0:
        raise EmptyData(f"the orders do not span more than {test_days:g} days")
    item_ids, train = catalogue(before)
    return BasketSplit(item_ids, train, hide_one(after.baskets(item_ids), seed))


def validation(lines: OrderLines, test_days: float = TEST_DAYS, seed: int = 0) -> BasketSplit:
    """The same protocol inside the training period only: for tuning, never the test."""
    before, _ = lines.purchases().split(test_days)
    return split(before, test_days, seed)


def revenue_hit_rate(
    ranked: Ranked, targets: npt.NDArray[np.int32], values: npt.NDArray[np.float64]
) -> float:
    """Value of the hidden items found in their list over the value (n_cases,) of all."""
    found = ((ranked == targets[:, None]) & (targets[:, None] >= 0)).any(axis=1)
    total = float(values.sum())
    return float(values[found].sum()) / total if total > 0 else 0.0


def rank_baskets(
    model: Recommender, cases: NextItemCases, n: int = CUTOFF, batch_size: int = 2000
) -> Ranked:
    """The n best items (n_cases, n) for each basket, never an item already in it."""
    ranked = []
    for start in range(0, len(cases), batch_size):
        contexts = cases.prefixes.select(np.arange(start, min(start + batch_size, len(cases))))
        ranked.append(model.recommend_batch(contexts, n, contexts.to_csr(model.n_items)).items)
    return np.vstack(ranked) if ranked else np.zeros((0, n), dtype=np.int32)


@dataclass(frozen=True)
class BasketEvaluation:
    """The figures of one model on basket cases (all at CUTOFF)."""

    model: str
    hr: float
    mrr: float
    coverage: float
    revenue_hr: float
    train_s: float
    predict_ms: float
    cases: int

    def as_record(self) -> dict[str, str | float | int]:
        """The JSON object printed by `basketlift evaluate baskets --json`."""
        metrics = {
            "hr": self.hr,
            "mrr": self.mrr,
            "coverage": self.coverage,
            "revenue_hr": self.revenue_hr,
        }
        record = figures_record(self.model, CUTOFF, metrics, self.train_s, self.predict_ms)
        return record | {"cases": self.cases}


def evaluate_baskets(model: Recommender, data: BasketSplit) -> BasketEvaluation:
    """Fit `model` on the training baskets, rank every test case, measure."""
    started = time.perf_counter()
    model.fit(data.train, len(data.item_ids))
    fitted = time.perf_counter()
    cases = data.test.cases
    ranked = rank_baskets(model, cases)
    done = time.perf_counter()
    return BasketEvaluation(
        model=model.name,
        hr=hit_rate(ranked, cases.targets),
        mrr=mrr(ranked, cases.targets),
        coverage=coverage(ranked, len(data.item_ids)),
        revenue_hr=revenue_hit_rate(ranked, cases.targets, data.test.values),
        train_s=fitted - started,
        predict_ms=1000 * (done - fitted) / max(len(cases), 1),
        cases=len(cases),
    )
