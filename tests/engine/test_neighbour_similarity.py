"""Item-item similarity, weighted in place and found a block at a time, against implicit's
own on real baskets."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from implicit.nearest_neighbours import (
    BM25Recommender,
    CosineRecommender,
    TFIDFRecommender,
    bm25_weight,
    normalize,
    tfidf_weight,
)
from implicit.utils import ParameterWarning

import engine.neighbour_similarity
from engine.neighbour_similarity import NeighbourKind, neighbour_similarity, weighted_by_item
from engine.orders import catalogue
from tests.engine.samples import online_retail

IMPLICIT = {"cosine": CosineRecommender, "bm25": BM25Recommender, "tfidf": TFIDFRecommender}
KEPT = 10  # fewer than most items' co-occurring items: the choice of the best is tested


@pytest.fixture(scope="module")
def baskets() -> sp.csr_matrix:
    """Real Online Retail invoices by the products in them, each line counting once."""
    item_ids, found = catalogue(online_retail(20_000).purchases())
    return sp.csr_matrix(found.to_csr(len(item_ids)), dtype=np.float32)


def implicit_similarity(matrix: sp.csr_matrix, kind: NeighbourKind) -> sp.csr_matrix:
    model = IMPLICIT[kind](K=KEPT, num_threads=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ParameterWarning)
        model.fit(matrix, show_progress=False)
    similarity = sp.csr_matrix(model.similarity, dtype=np.float32)
    similarity.setdiag(0)
    similarity.eliminate_zeros()
    return similarity


IMPLICIT_WEIGHTING = {
    "cosine": normalize,
    "bm25": lambda by_item: bm25_weight(by_item, K1=1.2, B=0.75),
    "tfidf": lambda by_item: normalize(tfidf_weight(by_item)),
}


@pytest.mark.parametrize("kind", ["cosine", "bm25", "tfidf"])
def test_the_weights_are_implicits(baskets: sp.csr_matrix, kind: NeighbourKind) -> None:
    ours = weighted_by_item(baskets, kind)
    theirs = sp.csr_matrix(IMPLICIT_WEIGHTING[kind](baskets.T), dtype=np.float32)
    assert ours.dtype == np.float32 and ours.shape == theirs.shape
    assert (ours != 0).nnz == baskets.nnz
    np.testing.assert_allclose(ours.toarray(), theirs.toarray(), rtol=1e-6)


@pytest.mark.parametrize("kind", ["cosine", "bm25", "tfidf"])
def test_the_neighbours_are_implicits(
    baskets: sp.csr_matrix, kind: NeighbourKind, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine.neighbour_similarity, "BLOCK", 97)  # many blocks, the last one short
    ours = neighbour_similarity(baskets, kind, KEPT, threads=2)
    theirs = implicit_similarity(baskets, kind)
    assert ours.shape == theirs.shape == (baskets.shape[1],) * 2
    assert ours.dtype == np.float32 and ours.has_sorted_indices
    # Most items have more co-occurring items than kept: KEPT - 1 besides themselves.
    assert ours.nnz > (KEPT - 2) * baskets.shape[1]
    assert np.all(ours.diagonal() == 0) and np.all(ours.data != 0)
    for item in range(ours.shape[0]):
        mine, other = ours.getrow(item), theirs.getrow(item)
        values = np.sort(mine.data)[::-1]
        # implicit's K counts the item itself; where ties put it out, it kept one more.
        assert len(values) == min(other.nnz, KEPT - 1)
        np.testing.assert_allclose(values, np.sort(other.data)[::-1][: len(values)], rtol=1e-6)
        if len(values) == 0:
            continue
        # Items tied at the row's smallest kept score (to float rounding) may go either way.
        tied = values[-1] + 1e-5 * abs(values[-1])
        assert above(mine, tied) == above(other, tied)


def above(row: sp.csr_matrix, score: float) -> set[int]:
    return {int(j) for j, value in zip(row.indices, row.data, strict=True) if value > score}


def test_one_neighbour_is_the_item_itself_so_none_is_kept(baskets: sp.csr_matrix) -> None:
    assert neighbour_similarity(baskets, "bm25", 1, threads=1).nnz == 0


def test_an_empty_catalogue_has_no_neighbours() -> None:
    similarity = neighbour_similarity(sp.csr_matrix((3, 0), dtype=np.float32), "bm25", 5, 1)
    assert similarity.shape == (0, 0) and similarity.nnz == 0
