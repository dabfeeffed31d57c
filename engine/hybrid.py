"""A weighted hybrid: the sum of its members' scores, each scaled to a best score of 1."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from engine.recommender import Recommender
from engine.rows import Row, blended, scaled_to_max
from engine.sessions import Sessions


def scaled_to_row_max(scores: sp.csr_matrix) -> sp.csr_matrix:
    """`scores` (n_rows, n_items) with each row divided by its largest entry."""
    scores = sp.csr_matrix(scores, dtype=np.float32, copy=True)
    counts = np.diff(scores.indptr)
    filled = counts > 0
    row_max = np.ones(len(counts), dtype=np.float32)
    row_max[filled] = np.maximum.reduceat(scores.data, scores.indptr[:-1][filled])
    row_max[row_max == 0] = 1.0  # a row of zeros (every session alike) stays zeros
    scores.data /= np.repeat(row_max, counts)
    return scores


class Hybrid(Recommender):
    """sum_m weight_m * score_m / max(score_m) over member recommenders m."""

    def __init__(
        self, members: Sequence[Recommender], weights: Sequence[float], name: str = "hybrid"
    ) -> None:
        super().__init__()
        if len(members) != len(weights) or not members:
            raise ValueError("a hybrid needs one weight per member, and at least one member")
        self.members = list(members)
        self.weights = list(weights)
        self.name = name

    def _fit(self, sessions: Sessions) -> None:
        for member in self.members:
            member.fit(sessions, self.n_items)

    def _score(self, contexts: Sessions) -> sp.csr_matrix:
        total = sp.csr_matrix((len(contexts), self.n_items), dtype=np.float32)
        for member, weight in zip(self.members, self.weights, strict=True):
            if weight:
                total = total + weight * scaled_to_row_max(member.score(contexts))
        return sp.csr_matrix(total)

    def _score_one(self, context: npt.NDArray[np.int32]) -> Row:
        scaled = [scaled_to_max(m.score_one(context)) for m in self.members]
        return blended(scaled, self.weights, self.n_items)

    def _reasons(
        self, context: npt.NDArray[np.int32], items: npt.NDArray[np.int32]
    ) -> list[tuple[str, int | None]]:
        """Each item's reason comes from the first member (in order) that has evidence for it."""
        reasons: list[tuple[str, int | None]] = [("popular", None)] * len(items)
        for member in self.members:
            missing = [i for i, (reason, _) in enumerate(reasons) if reason == "popular"]
            if not missing:
                break
            found = member._reasons(context, items[missing])
            for i, reason in zip(missing, found, strict=True):
                reasons[i] = reason
        return reasons
