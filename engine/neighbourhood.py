"""Session-neighbourhood models: SKNN, V-SKNN, STAN and VSTAN as settings of one class.

For each current session, the most similar past sessions vote for their items:
  similarity(s, n) = sum over shared items of w_click(i)      (recency within s, STAN w1)
                     / |n|^norm                                (cosine-like length penalty)
                     * exp(-age(n) / session_decay)            (recent sessions, STAN w2)
  score(j)         = sum over the k best n containing j of similarity(s, n)
                     * idf(j)^idf_power                       (rare items count more, VSTAN)
                     * exp(-|pos_n(j) - pos_n(a)| / neighbour_decay)   (STAN w3)
where a is the most recent item of s that n shares: items viewed near it in n count more
(and items viewed before it are scaled by `before_anchor`).
Past sessions are in time order; the age of a session is how many sessions came after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from engine.compiled import compiled
from engine.context import context_matrix, decay_of, recent_items
from engine.recommender import Recommender
from engine.rows import (
    Csr,
    FloatVector,
    Row,
    Scratch,
    add_rows,
    best_of,
    clear,
    cleared,
    csr_arrays,
    scratch,
)
from engine.sessions import Sessions
from engine.topk import top_k


@dataclass(frozen=True)
class NeighbourhoodSettings:
    """Hyper-parameters; the defaults were tuned on a validation split of diginetica."""

    k: int = 100
    click_decay: float | None = 2.0
    session_decay: float | None = None
    length_norm: float = 0.5
    idf_power: float = 1.0
    neighbour_decay: float | None = None
    before_anchor: float = 1.0


SKNN = NeighbourhoodSettings(k=100, click_decay=None, session_decay=None, idf_power=0.0)
VSKNN = NeighbourhoodSettings(
    k=100, click_decay=3.0, session_decay=None, idf_power=1.0, length_norm=0.0
)
STAN = NeighbourhoodSettings(k=100, click_decay=2.0, session_decay=20000.0, idf_power=0.0)
VSTAN = NeighbourhoodSettings(k=100, click_decay=2.0, session_decay=20000.0, idf_power=1.0)


class Neighbours(NamedTuple):
    """A fitted neighbourhood's arrays, as compiled code takes them."""

    item_sessions: Csr
    sessions: Csr
    idf: FloatVector
    k: int
    click_decay: float


@compiled
def neighbour_votes(
    model: Neighbours, context: npt.NDArray[np.int32], by_session: Scratch, into: Scratch
) -> int:
    """Add the votes of `context`'s k nearest sessions into `into`; gives how many items
    it marked there. `by_session` is scratch over the sessions."""
    items, weights = recent_items(context, model.click_decay)
    # Sessions sharing an item with the context: a few hundred of all the sessions.
    n_sessions = add_rows(model.item_sessions, items, weights, by_session, 0)
    sessions = by_session.touched[:n_sessions].copy()
    similarity = by_session.sums[sessions]
    clear(by_session, n_sessions)
    similar = similarity > 0
    sessions, similarity = sessions[similar], similarity[similar]
    nearest = best_of(similarity, sessions, model.k)
    n_items = add_rows(model.sessions, sessions[nearest], similarity[nearest], into, 0)
    for item in into.touched[:n_items]:
        into.sums[item] *= model.idf[item]
    return n_items


@compiled
def _votes_row(
    model: Neighbours, context: npt.NDArray[np.int32], by_session: Scratch, into: Scratch
) -> tuple[npt.NDArray[np.int32], FloatVector]:
    return cleared(into, neighbour_votes(model, context, by_session, into))


class SessionNeighbourhood(Recommender):
    """Next items voted by the k most similar past sessions."""

    def __init__(self, settings: NeighbourhoodSettings = VSTAN, name: str = "vstan") -> None:
        super().__init__()
        self.settings = settings
        self.name = name

    def _fit(self, sessions: Sessions) -> None:
        s = self.settings
        binary = sessions.to_csr(self.n_items)
        binary.data[:] = 1.0
        self._sessions = binary
        self._by_item = binary.tocsc()
        self._train = sessions
        self._positions = sessions.positions()
        session_weight = np.ones(len(sessions), dtype=np.float32)
        distinct = np.diff(binary.indptr).astype(np.float32)
        session_weight /= np.maximum(distinct, 1.0) ** s.length_norm
        if s.session_decay is not None:
            age = len(sessions) - 1 - np.arange(len(sessions))
            session_weight *= np.exp(-age / s.session_decay).astype(np.float32)
        # Items x sessions, already scaled by each session's weight.
        self._item_sessions = sp.csr_matrix(binary.T @ sp.diags(session_weight))
        df = np.maximum(np.diff(sp.csc_matrix(binary).indptr), 1)
        self._idf = (np.log(len(sessions) / df) ** s.idf_power).astype(np.float32)

    def _score(self, contexts: Sessions) -> sp.csr_matrix:
        s = self.settings
        query = context_matrix(contexts, self.n_items, s.click_decay)
        similarity = sp.csr_matrix(query @ self._item_sessions)
        nearest, weight = top_k(similarity, s.k)
        rows = np.repeat(np.arange(len(contexts)), s.k)
        found = nearest.ravel() >= 0
        if s.neighbour_decay is not None:
            return self._score_by_position(query, nearest, weight)
        neighbours = sp.csr_matrix(
            (weight.ravel()[found], (rows[found], nearest.ravel()[found])),
            shape=similarity.shape,
        )
        votes = sp.csr_matrix(neighbours @ self._sessions)
        votes.data *= self._idf[votes.indices]
        return votes

    def arrays(self) -> Neighbours:
        """What compiled code needs to score one context (without `neighbour_decay`)."""
        if self.settings.neighbour_decay is not None:
            raise ValueError("compiled scoring does not weigh neighbours' clicks by position")
        return Neighbours(
            csr_arrays(self._item_sessions),
            csr_arrays(self._sessions),
            self._idf,
            self.settings.k,
            decay_of(self.settings.click_decay),
        )

    def _score_one(self, context: np.ndarray) -> Row:
        if self.settings.neighbour_decay is not None:
            return super()._score_one(context)
        by_session, by_item = scratch(len(self._train)), scratch(self.n_items)
        return Row(*_votes_row(self.arrays(), context, by_session, by_item))

    def _score_by_position(
        self, query: sp.csr_matrix, nearest: np.ndarray, weight: np.ndarray
    ) -> sp.csr_matrix:
        """Votes of every click of every neighbour, weighted by its distance to the anchor."""
        s = self.settings
        assert s.neighbour_decay is not None
        found = nearest.ravel() >= 0
        pair_context = np.repeat(np.arange(nearest.shape[0]), nearest.shape[1])[found]
        pair_session = nearest.ravel()[found]
        pair_weight = weight.ravel()[found]
        lengths = self._train.lengths[pair_session]
        pair_of_click = np.repeat(np.arange(len(pair_session)), lengths)
        pair_start = np.cumsum(lengths) - lengths
        click = np.repeat(self._train.offsets[pair_session], lengths) + (
            np.arange(lengths.sum()) - np.repeat(pair_start, lengths)
        )
        item = self._train.items[click]
        position = self._positions[click]
        # The query weight of each neighbour click (0 if the context lacks the item).
        query.sort_indices()
        query_keys = np.repeat(np.arange(query.shape[0]), np.diff(query.indptr)) * self.n_items
        query_keys += query.indices
        click_keys = pair_context[pair_of_click] * self.n_items + item
        at = np.searchsorted(query_keys, click_keys).clip(0, max(len(query_keys) - 1, 0))
        shared = query_keys[at] == click_keys
        recency = np.where(shared, query.data[at], 0.0)
        best = np.maximum.reduceat(recency, pair_start)
        is_anchor = shared & (recency == best[pair_of_click])
        anchor = np.maximum.reduceat(np.where(is_anchor, position, -1), pair_start)
        distance = position - anchor[pair_of_click]
        vote = np.exp(-np.abs(distance) / s.neighbour_decay).astype(np.float32)
        vote[distance < 0] *= s.before_anchor
        vote *= pair_weight[pair_of_click] * self._idf[item]
        return sp.csr_matrix(
            (vote, (pair_context[pair_of_click], item)), shape=(query.shape[0], self.n_items)
        )

    def _reasons(self, context: np.ndarray, items: np.ndarray) -> list[tuple[str, int | None]]:
        """ "viewed with" the most recent context item that past sessions show beside each item."""
        recent_first = list(dict.fromkeys(int(i) for i in context[::-1]))
        if not recent_first:
            return [("popular", None)] * len(items)
        columns = self._by_item[:, recent_first + [int(i) for i in items]]
        together = (columns[:, : len(recent_first)].T @ columns[:, len(recent_first) :]).toarray()
        seen = together > 0
        return [
            ("viewed with", recent_first[int(lead)]) if any_seen else ("popular", None)
            for lead, any_seen in zip(seen.argmax(axis=0), seen.any(axis=0), strict=True)
        ]
