"""The learned re-ranker: its features, its fitting, and the weights the product ships."""

from __future__ import annotations

import numpy as np

from engine.models import candidate_hybrid, ranker_weights
from engine.recommender import Recommender
from engine.reranker import FEATURES, Candidates, LearnedRanker, fit_ranker_weights
from engine.sessions import ItemIds, NextItemCases, Sessions

Data = tuple[ItemIds, Sessions, NextItemCases]


def test_shipped_weights_match_the_features() -> None:
    assert len(ranker_weights()) == len(FEATURES)


def test_candidates_carry_one_row_of_features_each(yoochoose: Data) -> None:
    item_ids, train, cases = yoochoose
    ranker = LearnedRanker(candidate_hybrid(), ranker_weights(), candidates=30)
    found = ranker.fit(train, len(item_ids)).candidates_of(cases.prefixes.select(range(40)))
    assert found.features.shape == (len(found.rows), len(FEATURES))
    assert np.bincount(found.rows).max() == 30 and np.isfinite(found.features).all()


def test_fitting_puts_weight_on_the_feature_that_marks_the_target() -> None:
    # Three contexts of two candidates; the target is always the one with feature 0 set.
    features = np.zeros((6, len(FEATURES)), dtype=np.float32)
    features[[1, 2, 5], 0] = 1.0
    found = Candidates(np.repeat(np.arange(3), 2), np.array([4, 7, 7, 4, 4, 7]), features)
    weights = fit_ranker_weights(found, np.array([7, 7, 7], dtype=np.int32))
    assert weights[0] > 1 and np.abs(weights[1:]).max() < 1e-6


def test_one_compiled_call_ranks_as_the_generic_path(yoochoose: Data) -> None:
    item_ids, train, cases = yoochoose
    ranker = LearnedRanker(candidate_hybrid(), ranker_weights()).fit(train, len(item_ids))
    reasons = set()
    for row in range(0, len(cases.prefixes), 11):
        context = [int(i) for i in cases.prefixes[row]]
        for exclude in (context, []):
            generic = Recommender.ranked(ranker, context, 20, exclude)
            assert ranker.ranked(context, 20, exclude) == generic
            reasons |= {reason for reason, _ in generic.reasons}
    assert {"viewed with", "viewed again"} <= reasons
