"""The recommender contract for the basket and personalised models, on real data:
baskets of Online Retail's first invoices, visitors' histories of the yoochoose sample."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from engine.basket import CONFIDENCE_RULES, BoughtTogether
from engine.orders import catalogue
from engine.personal import ImplicitALS, ImplicitBPR, SimilarItems
from engine.recommender import Recommender
from engine.sessions import ItemIds, NextItemCases, Sessions
from tests.engine.samples import online_retail

FACTORIES: dict[str, Callable[[], Recommender]] = {
    "bought_together": BoughtTogether,
    "confidence_rules": lambda: BoughtTogether(CONFIDENCE_RULES),
    "als": lambda: ImplicitALS(factors=32, iterations=5),
    "bpr": lambda: ImplicitBPR(factors=32, iterations=20),
    "similar_bm25": lambda: SimilarItems("bm25"),
    "similar_cosine": lambda: SimilarItems("cosine"),
}
Data = tuple[ItemIds, Sessions]
ON_BASKETS = {"bought_together", "confidence_rules"}


@pytest.fixture(scope="module")
def retail() -> Data:
    return catalogue(online_retail(20_000).purchases())


@pytest.fixture(scope="module", params=sorted(FACTORIES))
def fitted(
    request: pytest.FixtureRequest, retail: Data, yoochoose: tuple[ItemIds, Sessions, NextItemCases]
) -> tuple[str, Recommender, Data]:
    name = str(request.param)
    item_ids, train = retail if name in ON_BASKETS else yoochoose[:2]
    return name, FACTORIES[name]().fit(train, len(item_ids)), (item_ids, train)


def context(data: Data) -> list[int]:
    return [int(i) for i in data[1][11]]


def test_never_empty_even_without_context(fitted: tuple[str, Recommender, Data]) -> None:
    _, model, data = fitted
    assert len(model.recommend([], n=10)) == 10
    assert len(model.recommend(context(data), n=10)) == 10


def test_exclusions_are_respected(fitted: tuple[str, Recommender, Data]) -> None:
    _, model, data = fitted
    first = [r.item for r in model.recommend(context(data), n=10)]
    again = [r.item for r in model.recommend(context(data), n=10, exclude=first)]
    assert not set(first) & set(again)


def test_scores_are_sorted_and_items_distinct(fitted: tuple[str, Recommender, Data]) -> None:
    _, model, data = fitted
    recs = model.recommend(context(data), n=20)
    scores = [r.score for r in recs]
    assert scores == sorted(scores, reverse=True) and len({r.item for r in recs}) == len(recs)


def test_every_result_has_a_reason(fitted: tuple[str, Recommender, Data]) -> None:
    _, model, data = fitted
    assert all(r.describe(data[0]) for r in model.recommend(context(data), n=5))


def test_deterministic_with_a_seed(fitted: tuple[str, Recommender, Data]) -> None:
    name, model, data = fitted
    again = FACTORIES[name]().fit(data[1], len(data[0]))
    contexts = data[1].select(range(50))
    assert (
        again.recommend_batch(contexts, 10).items == model.recommend_batch(contexts, 10).items
    ).all()
