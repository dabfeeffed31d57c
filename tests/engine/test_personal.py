"""implicit's models behind the recommender interface: known answers on a checkerboard."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import scipy.sparse as sp

from engine.orders import catalogue
from engine.personal import ImplicitALS, ImplicitBPR, SimilarItems, dense_to_candidates
from engine.recommender import Recommender
from engine.sessions import Sessions
from tests.engine.samples import online_retail

# Visitor u liked every item of its parity except item u (the withheld diagonal): the
# item each visitor should get first is u.
N = 20
LIKED = [[i for i in range(N) if i % 2 == u % 2 and i != u] for u in range(N)]
CHECKERBOARD = Sessions.from_lists(LIKED)
MODELS: dict[str, Callable[[], ImplicitALS | ImplicitBPR | SimilarItems]] = {
    "als": lambda: ImplicitALS(factors=3, iterations=20, regularization=0.01),
    "bpr": lambda: ImplicitBPR(factors=3, iterations=300),
    "similar_cosine": lambda: SimilarItems("cosine"),
    "similar_bm25": lambda: SimilarItems("bm25"),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_the_withheld_diagonal_comes_first(name: str) -> None:
    model = MODELS[name]().fit(CHECKERBOARD, N)
    assert [model.recommend(liked, n=1, exclude=liked)[0].item for liked in LIKED] == list(range(N))


@pytest.mark.parametrize("name", ["als", "bpr"])
def test_known_visitors_are_served_from_their_factors(name: str) -> None:
    model = {"als": ImplicitALS, "bpr": ImplicitBPR}[name]().fit(CHECKERBOARD, N)
    scores = model.visitor_scores(np.arange(N)).toarray()
    scores[CHECKERBOARD.to_csr(N).toarray() > 0] = 0
    assert scores.argmax(axis=1).tolist() == list(range(N))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_weighted_confidences_of_one_fit_like_sessions(name: str) -> None:
    plain: Recommender = MODELS[name]().fit(CHECKERBOARD, N)
    weighted = MODELS[name]().fit_confidences(CHECKERBOARD.to_csr(N))
    assert plain.recommend_batch(CHECKERBOARD, 5).items.tolist() == (
        weighted.recommend_batch(CHECKERBOARD, 5).items.tolist()
    )


def test_a_heavier_event_moves_its_item_up() -> None:
    # Items 1 and 2 are equally similar to item 0 until visitor 1's event on 2 weighs 10.
    plain = np.array([[1, 1, 0], [1, 0, 1], [0, 1, 1]], dtype=np.float32)
    heavier = plain.copy()
    heavier[1, 2] = 10
    for confidences, first in ((plain, 1), (heavier, 2)):
        model = SimilarItems("cosine").fit_confidences(sp.csr_matrix(confidences))
        assert model.recommend([0], n=1, exclude=[0])[0].item == first


def test_an_unknown_visitor_history_falls_back_to_popular() -> None:
    model = MODELS["als"]().fit(CHECKERBOARD, N)
    assert {r.reason for r in model.recommend([], n=3)} == {"popular"}


def test_candidates_keep_the_best_of_each_row_positive_and_in_order() -> None:
    scores = np.array([[-1.0, 3.0, 2.0, -5.0], [0.5, 0.1, 0.2, 0.9]], dtype=np.float32)
    kept = dense_to_candidates(scores, 2).toarray()
    assert (kept > 0).sum(axis=1).tolist() == [2, 2]
    assert kept[0, 1] > kept[0, 2] > 0 and kept[1, 3] > kept[1, 0] > 0


@pytest.mark.parametrize("name", ["als", "bpr"])
def test_factors_started_in_place_fit_as_implicits_own(name: str) -> None:
    # Real invoices, with a visitor and an item that have no event: implicit zeroes those.
    item_ids, baskets = catalogue(online_retail(3_000).purchases())
    found = baskets.to_csr(len(item_ids))
    matrix = sp.csr_matrix(
        (found.data.astype(np.float32), found.indices, np.append(found.indptr, found.nnz)),
        shape=(found.shape[0] + 1, found.shape[1] + 1),
    )
    ours = {"als": ImplicitALS, "bpr": ImplicitBPR}[name]()
    ours.fit_confidences(matrix)
    theirs = ours._new_model()
    theirs.fit(matrix, show_progress=False)
    np.testing.assert_array_equal(ours.user_factors, theirs.user_factors)
    np.testing.assert_array_equal(ours.item_factors, theirs.item_factors)
