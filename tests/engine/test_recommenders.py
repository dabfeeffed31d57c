"""One contract for every recommender, fitted on the real yoochoose sample."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from engine.basket import BoughtTogether
from engine.longtail import LongTail
from engine.metrics import head_items
from engine.models import MODELS, served
from engine.personal import SimilarItems
from engine.recommender import Recommender
from engine.sessions import ItemIds, NextItemCases, Sessions

FACTORIES: dict[str, Callable[[], Recommender]] = {
    **MODELS,
    "basketlift+tail": lambda: served(tail_boost=0.5),
    "vsknn+tail": lambda: LongTail(MODELS["vsknn"](), 1.0),
    "bought_together": BoughtTogether,
    "similar_items": SimilarItems,
}
Data = tuple[ItemIds, Sessions, NextItemCases]


@pytest.fixture(scope="module", params=sorted(FACTORIES))
def fitted(request: pytest.FixtureRequest, yoochoose: Data) -> tuple[Recommender, Data]:
    item_ids, train, _ = yoochoose
    return FACTORIES[request.param]().fit(train, len(item_ids)), yoochoose


def context(data: Data) -> list[int]:
    return [int(i) for i in data[2].prefixes[7]]


def test_never_empty_even_without_context(fitted: tuple[Recommender, Data]) -> None:
    model, data = fitted
    assert len(model.recommend([], n=20)) == 20
    assert len(model.recommend(context(data), n=20)) == 20


def test_exclusions_are_respected(fitted: tuple[Recommender, Data]) -> None:
    model, data = fitted
    first = [r.item for r in model.recommend(context(data), n=10)]
    again = [r.item for r in model.recommend(context(data), n=10, exclude=first)]
    assert not set(first) & set(again)


def test_scores_are_sorted_and_items_distinct(fitted: tuple[Recommender, Data]) -> None:
    model, data = fitted
    recs = model.recommend(context(data), n=20)
    scores = [r.score for r in recs]
    assert scores == sorted(scores, reverse=True)
    assert len({r.item for r in recs}) == len(recs)


def test_every_result_has_a_reason(fitted: tuple[Recommender, Data]) -> None:
    model, data = fitted
    recs = model.recommend(context(data), n=5)
    assert all(r.describe(data[0]) for r in recs)


def test_deterministic_across_fits(fitted: tuple[Recommender, Data]) -> None:
    model, data = fitted
    item_ids, train, cases = data
    name = next(k for k in FACTORIES if FACTORIES[k]().name == model.name)
    again = FACTORIES[name]().fit(train, len(item_ids))
    prefixes = cases.prefixes.select(range(50))
    assert (
        again.recommend_batch(prefixes, 20).items == model.recommend_batch(prefixes, 20).items
    ).all()


def test_one_context_ranks_as_the_batch_does(fitted: tuple[Recommender, Data]) -> None:
    """`recommend` (the numpy serving path) agrees with `recommend_batch` (evaluation).

    Scores are summed in another order on the two paths, so they agree to float32
    rounding, and items may swap only where their scores tie to that precision."""
    model, data = fitted
    prefixes = data[2].prefixes.select(range(0, len(data[2].prefixes), 7)[:150])
    batch = model.recommend_batch(prefixes, 20, exclude=prefixes.to_csr(model.n_items))
    for row in range(len(prefixes)):
        context = [int(i) for i in prefixes[row]]
        one = model.recommend(context, n=20, exclude=context)
        scores = np.array([r.score for r in one], dtype=np.float32)
        np.testing.assert_allclose(scores, batch.scores[row], rtol=1e-4, atol=1e-7)
        items = np.array([r.item for r in one])
        differ = items != batch.items[row]
        tied = np.isclose(scores[:, None], scores[None, :], rtol=1e-4, atol=1e-7).sum(axis=1) > 1
        assert (tied[differ]).all(), f"context {context}: {items} != {batch.items[row]}"


def test_a_boosted_long_tail_fills_with_tail_items(yoochoose: Data) -> None:
    item_ids, train, _ = yoochoose
    boosted = LongTail(MODELS["vsknn"](), 1.0).fit(train, len(item_ids))
    head = head_items(boosted.popularity)
    filled = [r.item for r in boosted.recommend([], n=10)]
    assert not head[filled].any()
    assert head[[r.item for r in boosted.retuned(0.0).recommend([], n=10)]].all()
