"""Item-to-item cosine neighbours from `implicit`: "viewed with" the context's last item."""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from implicit.nearest_neighbours import BM25Recommender, CosineRecommender, TFIDFRecommender
from implicit.utils import ParameterWarning

from engine.context import context_matrix, context_weights
from engine.recommender import Recommender
from engine.rows import Row, sparse_row_sum
from engine.sessions import Sessions

NeighbourKind = Literal["cosine", "bm25", "tfidf"]
_NEIGHBOURS = {"cosine": CosineRecommender, "bm25": BM25Recommender, "tfidf": TFIDFRecommender}


def neighbour_similarity(
    matrix: sp.csr_matrix, kind: NeighbourKind, neighbours: int, threads: int
) -> sp.csr_matrix:
    """implicit's item-item similarity of `kind` over `matrix` (csr (n_rows, n_items): sessions
    or visitors by items), `neighbours` kept per item, without each item's similarity to
    itself: csr (n_items, n_items) of float32."""
    model = _NEIGHBOURS[kind](K=neighbours, num_threads=threads)
    with warnings.catch_warnings():
        # implicit hands its own base class a COO matrix and then warns about it; the
        # input we pass is CSR.
        warnings.simplefilter("ignore", ParameterWarning)
        model.fit(matrix, show_progress=False)
    similarity = sp.csr_matrix(model.similarity, dtype=np.float32)
    del model
    # The diagonal zeroed in place: a catalogue's neighbours are not copied again.
    rows = np.repeat(np.arange(similarity.shape[0]), np.diff(similarity.indptr))
    similarity.data[similarity.indices == rows] = 0.0
    similarity.eliminate_zeros()
    return similarity


class ItemCosine(Recommender):
    """Items most cosine-similar (over sessions) to the last viewed item; `neighbours` kept
    per item. Older clicks fade fast (`click_decay`), so the last one leads."""

    name = "item_cosine"

    def __init__(self, neighbours: int = 100, click_decay: float = 0.05, threads: int = 1):
        super().__init__()
        self.neighbours = neighbours
        self.click_decay = click_decay
        self.threads = threads

    def _fit(self, sessions: Sessions) -> None:
        matrix = sessions.to_csr(self.n_items)
        self._similarity = neighbour_similarity(matrix, "cosine", self.neighbours, self.threads)

    def _score(self, contexts: Sessions) -> sp.csr_matrix:
        query = context_matrix(contexts, self.n_items, self.click_decay)
        return sp.csr_matrix(query @ self._similarity)

    def _score_one(self, context: npt.NDArray[np.int32]) -> Row:
        return sparse_row_sum(self._similarity, *context_weights(context, self.click_decay))

    def _reasons(
        self, context: npt.NDArray[np.int32], items: npt.NDArray[np.int32]
    ) -> list[tuple[str, int | None]]:
        last = int(context[-1]) if len(context) else None
        return [("viewed with", last)] * len(items)
