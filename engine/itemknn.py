"""Item-to-item cosine neighbours (implicit's similarity): "viewed with" the context's last item."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from engine.context import context_matrix, context_weights
from engine.neighbour_similarity import neighbour_similarity
from engine.recommender import Recommender
from engine.rows import Row, sparse_row_sum
from engine.sessions import Sessions


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
