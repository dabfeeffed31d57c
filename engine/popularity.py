"""Popularity baselines and the repeat model: what everyone views, what this visitor re-views."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from engine.context import context_matrix, context_weights
from engine.recommender import Recommender
from engine.rows import Row
from engine.sessions import Sessions


class Popularity(Recommender):
    """The most viewed items of the training data, the same for every context."""

    name = "pop"

    def _fit(self, sessions: Sessions) -> None:
        pass

    def _score(self, contexts: Sessions) -> sp.csr_matrix:
        # Scores come from the popularity fill of the base class; no evidence per context.
        return sp.csr_matrix((len(contexts), self.n_items), dtype=np.float32)


class SessionPopularity(Recommender):
    """Items of the current session by how often it viewed them, ties by overall popularity
    (S-POP of the session-rec framework); then popular items."""

    name = "spop"

    def _fit(self, sessions: Sessions) -> None:
        self._tie_break = (self.popularity / (self.popularity.max(initial=0) + 1)).astype(
            np.float32
        )

    def _score(self, contexts: Sessions) -> sp.csr_matrix:
        counts = contexts.to_csr(self.n_items)
        counts.data += self._tie_break[counts.indices]
        return counts

    def _reasons(
        self, context: npt.NDArray[np.int32], items: npt.NDArray[np.int32]
    ) -> list[tuple[str, int | None]]:
        seen = np.isin(items, context)
        return [("viewed again", None) if s else ("popular", None) for s in seen]


class Repeats(Recommender):
    """Items of the current session again, the most recently viewed first.

    A quarter to a fifth of next views in shop sessions go back to an item already seen;
    this model gives the hybrid that signal on its own scale.
    """

    name = "repeats"

    def __init__(self, click_decay: float = 2.0) -> None:
        super().__init__()
        self.click_decay = click_decay

    def _fit(self, sessions: Sessions) -> None:
        pass

    def _score(self, contexts: Sessions) -> sp.csr_matrix:
        return context_matrix(contexts, self.n_items, self.click_decay)

    def _score_one(self, context: npt.NDArray[np.int32]) -> Row:
        return Row(*context_weights(context, self.click_decay))

    def _reasons(
        self, context: npt.NDArray[np.int32], items: npt.NDArray[np.int32]
    ) -> list[tuple[str, int | None]]:
        seen = np.isin(items, context)
        return [("viewed again", None) if s else ("popular", None) for s in seen]
