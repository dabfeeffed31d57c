"""The one interface of every recommender: fit on sessions, recommend for contexts.

A context is what we know of the visitor right now: the item indices of the current
session (or basket) in click order. `score` gives a sparse matrix of evidence; the base
class turns it into ranked lists, removes exclusions, and fills short lists from the
most popular items so that no placement is ever empty.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from engine.errors import NotFitted
from engine.rows import Row, best_in_row
from engine.sessions import ItemIds, Sessions
from engine.topk import NO_ITEM, top_k, without


class Recommendation(NamedTuple):
    """One recommended item (index), its score, and why: `reason` + the item behind it."""

    # A named tuple: a request names dozens, and a frozen dataclass costs several
    # times more to build.

    item: int
    score: float
    reason: str
    because: int | None = None

    def describe(self, item_ids: ItemIds) -> str:
        """The reason in words with external ids, e.g. "viewed with 1234"."""
        return in_words(self.reason, self.because, item_ids.names)


def in_words(reason: str, because: int | None, names: Sequence[str]) -> str:
    """A reason in words, naming the item behind it by its external id (`names[i]`)."""
    return reason if because is None else f"{reason} {names[because]}"


def described(recommendations: Sequence[Recommendation], item_ids: ItemIds) -> list[str]:
    """The reason of each recommendation in words, with external ids."""
    names = item_ids.names
    return [in_words(r.reason, r.because, names) for r in recommendations]


class Ranked(NamedTuple):
    """The best items of one context that a model has evidence for, best first: their
    indices, scores, and reasons (`reason`, the item behind it or None)."""

    items: list[int]
    scores: list[float]
    reasons: list[tuple[str, int | None]]


@dataclass(frozen=True)
class Ranking:
    """Ranked lists for many contexts: `items` (n_contexts, n) int32 (-1 = none), `scores`."""

    items: npt.NDArray[np.int32]
    scores: npt.NDArray[np.float32]


class Recommender(ABC):
    """Fit on past sessions; recommend the next items for current contexts."""

    name: str = "recommender"

    def __init__(self) -> None:
        self.n_items = 0
        self.popularity = np.zeros(0, dtype=np.float32)
        self._fitted = False

    def fit(self, sessions: Sessions, n_items: int) -> Self:
        """Learn from `sessions` (item indices < n_items, sessions oldest first)."""
        self._count_popularity(np.bincount(sessions.items, minlength=n_items))
        self._fit(sessions)
        self._fitted = True
        return self

    def restore(self, popularity: npt.NDArray[np.float32]) -> Self:
        """Mark as fitted a model whose learned arrays were loaded from an artifact;
        `popularity` (n_items,) is what `fit` counted, for the fallback."""
        self._count_popularity(popularity)
        self._fitted = True
        return self

    def _count_popularity(self, popularity: npt.ArrayLike) -> None:
        self.popularity = np.asarray(popularity, dtype=np.float32)
        self.n_items = len(self.popularity)
        # Most popular first; ties by item index so that the order is deterministic.
        self._by_popularity = np.lexsort((np.arange(self.n_items), -self.popularity)).astype(
            np.int32
        )

    def score(self, contexts: Sessions) -> sp.csr_matrix:
        """csr_matrix (n_contexts, n_items) of positive scores; absent = no evidence."""
        if not self._fitted:
            raise NotFitted(f"{self.name} must be fitted before it recommends")
        return self._score(contexts)

    def recommend_batch(
        self, contexts: Sessions, n: int, exclude: sp.csr_matrix | None = None
    ) -> Ranking:
        """The n best items for each context, never recommending entries of `exclude`.

        `exclude` is a csr_matrix (n_contexts, n_items); non-zero entries are excluded.
        Places the model has no evidence for are filled by popularity, with score 0.
        """
        items, scores = top_k(without(self.score(contexts), exclude), n)
        self._fill(items, exclude)
        return Ranking(items, scores)

    def score_one(self, context: Sequence[int] | npt.NDArray[np.int32]) -> Row:
        """The scores of one context (item indices in click order): the row `score` gives
        for it, as the items with evidence and their scores."""
        if not self._fitted:
            raise NotFitted(f"{self.name} must be fitted before it recommends")
        return self._score_one(np.asarray(context, dtype=np.int32))

    def recommend(
        self, context: Sequence[int], n: int = 20, exclude: Iterable[int] = ()
    ) -> list[Recommendation]:
        """The n best items after `context` (item indices in click order), with reasons;
        places the model has no evidence for are filled by popularity, with score 0.

        The same ranking as `recommend_batch` gives for this one context, computed on one
        row of compiled loops (the serving path: no sparse matrix is built per call)."""
        blocked = list(exclude)
        best = self.ranked(context, n, blocked)
        fill = self._popular_besides(best.items, blocked, n - len(best.items))
        return [
            Recommendation(item, score, *reason) for item, score, reason in zip(*best, strict=True)
        ] + [Recommendation(item, 0.0, "popular") for item in fill]

    def ranked(self, context: Sequence[int], n: int, exclude: Iterable[int] = ()) -> Ranked:
        """`recommend` without the popular fill, as plain lists: what a server names."""
        indices = np.asarray(context, dtype=np.int32)
        best = best_in_row(self.score_one(indices), np.fromiter(exclude, dtype=np.int64), n)
        reasons = self._reasons(indices, best.items)
        return Ranked(best.items.tolist(), best.scores.tolist(), reasons)

    def _popular_besides(self, taken: list[int], blocked: list[int], n: int) -> list[int]:
        """The n most popular items neither taken nor blocked."""
        if n <= 0:
            return []
        candidates: list[int] = self._by_popularity[: n + len(taken) + len(blocked)].tolist()
        unavailable = {*taken, *blocked}
        return [item for item in candidates if item not in unavailable][:n]

    def _score_one(self, context: npt.NDArray[np.int32]) -> Row:
        """One context's scores; models override this with a path that builds no matrix."""
        row = self._score(Sessions.from_lengths(context, [len(context)]))
        row.sum_duplicates()  # sorted, distinct items
        return Row(row.indices.astype(np.int32), row.data.astype(np.float32))

    def _reasons(
        self, context: npt.NDArray[np.int32], items: npt.NDArray[np.int32]
    ) -> list[tuple[str, int | None]]:
        return [("popular", None)] * len(items)

    def _fill(self, items: npt.NDArray[np.int32], exclude: sp.csr_matrix | None) -> None:
        """Fill `NO_ITEM` places of `items` in place with popular items not yet shown."""
        missing = items == NO_ITEM
        rows = np.flatnonzero(missing.any(axis=1))
        if len(rows) == 0 or self.n_items == 0:
            return
        n = items.shape[1]
        blocked = 0 if exclude is None else int(np.diff(exclude.indptr)[rows].max(initial=0))
        candidates = self._by_popularity[: 2 * n + blocked]
        taken = (candidates[None, :, None] == items[rows][:, None, :]).any(axis=2)
        if exclude is not None:
            taken |= np.asarray(exclude[rows][:, candidates].todense()) != 0
        for row, free in zip(rows, ~taken, strict=True):
            holes = np.flatnonzero(items[row] == NO_ITEM)
            fill = candidates[free][: len(holes)]
            items[row, holes[: len(fill)]] = fill

    @abstractmethod
    def _fit(self, sessions: Sessions) -> None: ...

    @abstractmethod
    def _score(self, contexts: Sessions) -> sp.csr_matrix: ...
