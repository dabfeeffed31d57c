"""Personalised recommenders from `implicit` on visitor x item confidences.

`ImplicitALS` and `ImplicitBPR` factorise the confidences; `SimilarItems` keeps
implicit's item-item neighbours (cosine, BM25 or TF-IDF). All three fit either on
sessions (one row per visitor, each event weighing 1) or, with `fit_confidences`, on a
weighted matrix from `engine.interactions`. A context is a visitor's history (item
indices): the factor models fold it in against the learned item factors, so a returning
visitor is served from what they did, known to training or not.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from implicit.bpr import BayesianPersonalizedRanking
from implicit.cpu.als import AlternatingLeastSquares
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from engine.evidence import strongest_reasons
from engine.neighbour_similarity import NeighbourKind, neighbour_similarity
from engine.recommender import Recommender
from engine.rows import Row, distinct_row_sum
from engine.sessions import Sessions

FloatArray = npt.NDArray[np.float32]


class _Weighted(Recommender):
    """A recommender that can also learn from a weighted visitor x item matrix."""

    _weights: FloatArray | None = None

    def fit_confidences(self, confidences: sp.csr_matrix) -> Self:
        """Fit on csr_matrix (n_visitors, n_items) of confidences (> 0)."""
        confidences = sp.csr_matrix(confidences, dtype=np.float32)
        confidences.sort_indices()
        rows = Sessions(confidences.indices.astype(np.int32), confidences.indptr.astype(np.int64))
        self._weights = confidences.data
        try:
            return self.fit(rows, confidences.shape[1])
        finally:
            self._weights = None

    def _matrix(self, sessions: Sessions) -> sp.csr_matrix:
        return sp.csr_matrix(sessions.to_csr(self.n_items, self._weights), dtype=np.float32)


def uniform_factors(random: np.random.Generator, rows: int, columns: int) -> FloatArray:
    """`random`'s next rows x columns float32 uniforms in [0, 1), to be scaled in place."""
    factors = np.empty((rows, columns), dtype=np.float32)
    random.random(dtype=np.float32, out=factors)
    return factors


def dense_to_candidates(scores: FloatArray, keep: int) -> sp.csr_matrix:
    """csr_matrix (n_rows, n_items) of each row's `keep` best scores of a dense
    (n_rows, n_items) array, shifted to be > 0 (ranks within a row are kept)."""
    n_rows, n_items = scores.shape
    keep = min(keep, n_items)
    if n_rows == 0 or keep == 0:
        return sp.csr_matrix((n_rows, n_items), dtype=np.float32)
    best = np.argpartition(-scores, keep - 1, axis=1)[:, :keep]
    values = np.take_along_axis(scores, best, axis=1)
    values = values - values.min(axis=1, keepdims=True) + 1e-3
    rows = np.repeat(np.arange(n_rows), keep)
    return sp.csr_matrix((values.ravel(), (rows, best.ravel())), shape=scores.shape)


class _Factors(_Weighted):
    """Scores = visitor factors . item factors; the best `candidates` per context kept."""

    def __init__(
        self, factors: int, iterations: int, regularization: float, threads: int, seed: int
    ) -> None:
        super().__init__()
        self.factors = factors
        self.iterations = iterations
        self.regularization = regularization
        self.threads = threads
        self.seed = seed
        self.candidates = 200
        self.user_factors = np.zeros((0, 0), dtype=np.float32)
        self.item_factors = np.zeros((0, 0), dtype=np.float32)

    def _fit(self, sessions: Sessions) -> None:
        # implicit's own threads do the work; BLAS threads on top only fight for the cores
        # (and implicit warns about them when it builds a model).
        with threadpool_limits(1, "blas"):
            model = self._new_model()
            matrix = self._matrix(sessions)
            # implicit's starting factors, made in place: implicit makes them through
            # temporaries (BPR's visitor factors: 3 GB for 2 million visitors). The same
            # generator then gives implicit what else it draws, as if it had made them.
            random = np.random.default_rng(self.seed)
            self._start(model, matrix, random)
            model.random_state = random
            model.fit(matrix, show_progress=False)
        self.user_factors = np.asarray(model.user_factors, dtype=np.float32)
        self.item_factors = np.asarray(model.item_factors, dtype=np.float32)

    def _new_model(self) -> AlternatingLeastSquares | BayesianPersonalizedRanking:
        raise NotImplementedError

    def _start(
        self,
        model: AlternatingLeastSquares | BayesianPersonalizedRanking,
        matrix: sp.csr_matrix,
        random: np.random.Generator,
    ) -> None:
        """Set `model`'s starting factors for `matrix` exactly as its own fit would."""
        raise NotImplementedError

    def _fold_in(self, history: sp.csr_matrix) -> FloatArray:
        raise NotImplementedError

    def _score(self, contexts: Sessions) -> sp.csr_matrix:
        history = contexts.to_csr(self.n_items)
        known = np.diff(history.indptr) > 0
        scores = np.zeros((len(contexts), self.n_items), dtype=np.float32)
        if known.any():
            scores[known] = self._fold_in(history[known]) @ self.item_factors.T
        candidates = dense_to_candidates(scores, self.candidates)
        # Contexts with no known item have no evidence: the popularity fill serves them.
        return sp.csr_matrix(sp.diags(known.astype(np.float32)) @ candidates)

    def visitor_scores(self, visitors: npt.ArrayLike) -> sp.csr_matrix:
        """csr_matrix (n_visitors, n_items): candidates of visitors known to training
        (visitor indices of the fitted matrix), from their learned factors."""
        rows = np.asarray(visitors, dtype=np.int64)
        return dense_to_candidates(self.user_factors[rows] @ self.item_factors.T, self.candidates)


class ImplicitALS(_Factors):
    """implicit's ALS (Hu, Koren & Volinsky 2008); `alpha` scales the confidences."""

    name = "als"

    def __init__(
        self,
        factors: int = 64,
        iterations: int = 15,
        regularization: float = 0.05,
        alpha: float = 1.0,
        threads: int = 1,
        seed: int = 0,
    ) -> None:
        super().__init__(factors, iterations, regularization, threads, seed)
        self.alpha = alpha

    def _new_model(self) -> AlternatingLeastSquares:
        return AlternatingLeastSquares(
            factors=self.factors,
            iterations=self.iterations,
            regularization=self.regularization,
            alpha=self.alpha,
            num_threads=self.threads,
            random_state=self.seed,
        )

    def _start(
        self,
        model: AlternatingLeastSquares | BayesianPersonalizedRanking,
        matrix: sp.csr_matrix,
        random: np.random.Generator,
    ) -> None:
        # implicit: random((visitors, factors)) * 0.01, then the same for the items.
        visitors, items = matrix.shape
        model.user_factors = uniform_factors(random, visitors, self.factors)
        model.user_factors *= 0.01
        model.item_factors = uniform_factors(random, items, self.factors)
        model.item_factors *= 0.01

    def _fold_in(self, history: sp.csr_matrix) -> FloatArray:
        """The exact ALS user step against the item factors (implicit's recalculate_user)."""
        with threadpool_limits(1, "blas"):
            model = self._new_model()
            model.item_factors = self.item_factors
            users = model.recalculate_user(np.arange(history.shape[0]), history)
        return np.asarray(users, dtype=np.float32).reshape(history.shape[0], -1)


class ImplicitBPR(_Factors):
    """implicit's BPR (Rendle et al. 2009); item factors carry a bias as last column."""

    name = "bpr"

    def __init__(
        self,
        factors: int = 64,
        iterations: int = 100,
        regularization: float = 0.01,
        learning_rate: float = 0.05,
        threads: int = 1,
        seed: int = 0,
    ) -> None:
        super().__init__(factors, iterations, regularization, threads, seed)
        self.learning_rate = learning_rate

    def _new_model(self) -> BayesianPersonalizedRanking:
        return BayesianPersonalizedRanking(
            factors=self.factors,
            iterations=self.iterations,
            regularization=self.regularization,
            learning_rate=self.learning_rate,
            num_threads=self.threads,
            random_state=self.seed,
        )

    def _start(
        self,
        model: AlternatingLeastSquares | BayesianPersonalizedRanking,
        matrix: sp.csr_matrix,
        random: np.random.Generator,
    ) -> None:
        # implicit: (random((n, factors + 1)) - 0.5) / factors for the items, then the
        # visitors; the rows of items and visitors with no event zero, the visitors' last
        # column (the item bias's weight) 1.
        visitors, items = matrix.shape
        item_factors = uniform_factors(random, items, self.factors + 1)
        item_factors -= 0.5
        item_factors /= self.factors
        item_factors[np.bincount(matrix.indices, minlength=items) == 0] = 0.0
        user_factors = uniform_factors(random, visitors, self.factors + 1)
        user_factors -= 0.5
        user_factors /= self.factors
        user_factors[np.diff(matrix.indptr) == 0] = 0.0
        user_factors[:, self.factors] = 1.0
        model.item_factors, model.user_factors = item_factors, user_factors

    def _fold_in(self, history: sp.csr_matrix) -> FloatArray:
        """The mean factor of the history's items (BPR has no closed-form user step);
        the last column is the bias term, 1 for every visitor as in implicit."""
        history = sp.csr_matrix(history, dtype=np.float32)
        history.data[:] = 1.0
        mean = sp.diags(1.0 / np.diff(history.indptr)) @ history @ self.item_factors
        users = np.asarray(mean, dtype=np.float32)
        users[:, -1] = 1.0
        return users


class SimilarItems(_Weighted):
    """implicit's item-item neighbours over visitors: items like those of the context."""

    def __init__(self, kind: NeighbourKind = "bm25", neighbours: int = 100, threads: int = 1):
        super().__init__()
        self.kind = kind
        self.neighbours = neighbours
        self.threads = threads
        self.name = f"similar_{kind}"
        self.similarity = sp.csr_matrix((0, 0), dtype=np.float32)

    def _fit(self, sessions: Sessions) -> None:
        matrix = self._matrix(sessions)
        self.similarity = neighbour_similarity(matrix, self.kind, self.neighbours, self.threads)
        self.similarity.eliminate_zeros()

    def _score(self, contexts: Sessions) -> sp.csr_matrix:
        history = contexts.to_csr(self.n_items)
        history.data[:] = 1.0
        return sp.csr_matrix(history @ self.similarity)

    def _score_one(self, context: npt.NDArray[np.int32]) -> Row:
        return distinct_row_sum(self.similarity, context)

    def _reasons(
        self, context: npt.NDArray[np.int32], items: npt.NDArray[np.int32]
    ) -> list[tuple[str, int | None]]:
        return strongest_reasons(self.similarity, "similar to", context, items)
