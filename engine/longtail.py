"""Long-tail re-ranking: one knob trades a little accuracy for depth in the catalogue.

score'(j) = score(j) * (share(j))^-tail_boost, where share(j) is the item's share of the
training views relative to the most viewed item ((count + 1) / (max + 1), in (0, 1]).
tail_boost = 0 leaves the ranking as it is; larger values lift rarely viewed items among
the items the base model has evidence for. Popular fill-ins are not boosted, so the knob
never promotes items without evidence.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from engine.recommender import Recommender
from engine.sessions import Sessions

DEFAULT_TAIL_BOOST = 0.0


class LongTail(Recommender):
    """A recommender's scores, multiplied by a boost that grows as items get rarer."""

    def __init__(self, base: Recommender, tail_boost: float = DEFAULT_TAIL_BOOST) -> None:
        super().__init__()
        if tail_boost < 0:
            raise ValueError(f"tail_boost must be >= 0, not {tail_boost}")
        self.base = base
        self.tail_boost = tail_boost
        self.name = f"{base.name}+tail{tail_boost:g}"

    def _fit(self, sessions: Sessions) -> None:
        self.base.fit(sessions, self.n_items)
        share = (self.popularity + 1) / (self.popularity.max(initial=0) + 1)
        self._boost = (share**-self.tail_boost).astype(np.float32)

    def _score(self, contexts: Sessions) -> sp.csr_matrix:
        scores = sp.csr_matrix(self.base.score(contexts), copy=True)
        scores.data *= self._boost[scores.indices]
        return scores

    def _reasons(
        self, context: npt.NDArray[np.int32], items: npt.NDArray[np.int32]
    ) -> list[tuple[str, int | None]]:
        return self.base._reasons(context, items)
