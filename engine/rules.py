"""Rule models from item pairs in sessions: sequential rules and association rules.

Both learn an item x item matrix of pair weights in one vectorised pass per distance d
(a loop over d, never over events) and score a context from its recent items.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from engine.context import context_matrix, context_weights
from engine.recommender import Recommender
from engine.rows import Row, row_values, sparse_row_sum
from engine.sessions import Sessions


def item_pairs(
    sessions: Sessions,
    n_items: int,
    max_gap: int,
    decay: bool,
    symmetric: bool,
    session_decay: float | None = None,
) -> sp.csr_matrix:
    """csr_matrix (n_items, n_items): weight of "j clicked d steps after i" for d <= max_gap.

    Each pair weighs 1/d with `decay`, else 1; with `symmetric` both orders count. With
    `session_decay`, pairs of older sessions fade: exp(-sessions after it / session_decay).
    """
    positions = sessions.positions()
    age = np.repeat(len(sessions) - 1 - np.arange(len(sessions)), sessions.lengths)
    fade = np.ones(len(age)) if session_decay is None else np.exp(-age / session_decay)
    remaining = np.repeat(sessions.lengths, sessions.lengths) - 1 - positions
    rows, cols, weights = [], [], []
    for gap in range(1, max_gap + 1):
        first = np.flatnonzero(remaining >= gap)
        if len(first) == 0:
            break
        rows.append(sessions.items[first])
        cols.append(sessions.items[first + gap])
        weights.append((fade[first] / (gap if decay else 1.0)).astype(np.float32))
    if not rows:
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    r, c, w = np.concatenate(rows), np.concatenate(cols), np.concatenate(weights)
    if symmetric:
        r, c, w = np.concatenate([r, c]), np.concatenate([c, r]), np.concatenate([w, w])
    pairs = sp.csr_matrix((w, (r, c)), shape=(n_items, n_items))
    pairs.sum_duplicates()
    return pairs


def keep_strongest(matrix: sp.csr_matrix, per_row: int) -> sp.csr_matrix:
    """The `per_row` largest entries of each row of `matrix` (all of them if 0), ties by
    column; float32. Sparse throughout: a catalogue's rows never become a dense array."""
    if per_row <= 0:
        return matrix
    matrix = sp.csr_matrix(matrix)
    counts = np.diff(matrix.indptr)
    rows = np.repeat(np.arange(matrix.shape[0], dtype=np.int32), counts)
    # Rows with no more than `per_row` entries keep them all; only the others are sorted.
    full = np.repeat(counts > per_row, counts)
    crowded = np.flatnonzero(full)
    order = crowded[np.lexsort((matrix.indices[crowded], -matrix.data[crowded], rows[crowded]))]
    ends = np.cumsum(counts[counts > per_row])
    rank = np.arange(len(order)) - np.repeat(
        ends - counts[counts > per_row], counts[counts > per_row]
    )
    picked = np.concatenate([np.flatnonzero(~full), order[rank < per_row]])
    return sp.csr_matrix(
        (matrix.data[picked].astype(np.float32), (rows[picked], matrix.indices[picked])),
        shape=matrix.shape,
    )


@dataclass(frozen=True)
class RuleSettings:
    """max_gap: farthest pair distance; keep: rules kept per item (0 = all);
    click_decay: how fast older clicks of the context fade (small = last click only);
    repeats: whether "i then i again" counts as a rule;
    session_decay: how fast rules of older sessions fade (None = never)."""

    max_gap: int = 10
    keep: int = 0
    click_decay: float = 0.5
    repeats: bool = True
    session_decay: float | None = None


class SequentialRules(Recommender):
    """Items that followed the context's last items in past sessions, nearer steps weigh more."""

    name = "sr"

    def __init__(self, settings: RuleSettings = RuleSettings()) -> None:  # noqa: B008
        super().__init__()
        self.settings = settings

    def _fit(self, sessions: Sessions) -> None:
        pairs = item_pairs(
            sessions, self.n_items, self.settings.max_gap, True, False, self.settings.session_decay
        )
        self._rules = keep_strongest(self._without_repeats(pairs), self.settings.keep)

    @property
    def pairs(self) -> sp.csr_matrix:
        """csr_matrix (n_items, n_items): the weight of each rule "i -> j" (row i)."""
        return self._rules

    def _without_repeats(self, pairs: sp.csr_matrix) -> sp.csr_matrix:
        if self.settings.repeats:
            return pairs
        return sp.csr_matrix(pairs - sp.diags(pairs.diagonal()))

    def _score(self, contexts: Sessions) -> sp.csr_matrix:
        query = context_matrix(contexts, self.n_items, self.settings.click_decay)
        return sp.csr_matrix(query @ self._rules)

    def _score_one(self, context: npt.NDArray[np.int32]) -> Row:
        items, weights = context_weights(context, self.settings.click_decay)
        return sparse_row_sum(self._rules, items, weights)

    def _reasons(
        self, context: npt.NDArray[np.int32], items: npt.NDArray[np.int32]
    ) -> list[tuple[str, int | None]]:
        if not len(context) or context[-1] < 0:
            return [("popular", None)] * len(items)
        last = int(context[-1])
        known = row_values(self._rules, last, items) > 0
        return [("viewed after", last) if k else ("popular", None) for k in known]


class AssociationRules(SequentialRules):
    """Items co-viewed with the context's last item in any order (the session-rec AR baseline)."""

    name = "ar"

    def __init__(self, max_gap: int = 1000) -> None:
        super().__init__(RuleSettings(max_gap=max_gap, click_decay=0.05, repeats=False))

    def _fit(self, sessions: Sessions) -> None:
        pairs = item_pairs(sessions, self.n_items, self.settings.max_gap, False, True)
        self._rules = self._without_repeats(pairs)

    def _reasons(
        self, context: npt.NDArray[np.int32], items: npt.NDArray[np.int32]
    ) -> list[tuple[str, int | None]]:
        return [
            ("viewed with" if r == "viewed after" else r, i)
            for r, i in super()._reasons(context, items)
        ]
