"""A learned re-ranker: the served hybrid proposes candidates, a linear model orders them.

For each context the weighted hybrid of session neighbours, sequential rules and re-views
proposes its `candidates` best items; each candidate gets the features of `FEATURES`
(every part's score and the hybrid rank, how and when the session viewed it, last-item
transition probability, co-occurrence, overall and recent popularity), and the final
score is exp(w . x - max over the context): a softmax over the candidates, fitted by
`fit_ranker_weights` to the next items of a validation split (bench/engine_tuning.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import minimize

from engine.context import context_matrix, context_weights
from engine.hybrid import Hybrid, scaled_to_row_max
from engine.metrics import head_items
from engine.recommender import Recommender
from engine.rows import FloatVector, best_entries, looked_up, row_values, scaled_to_max
from engine.rules import AssociationRules, item_pairs
from engine.sessions import Sessions
from engine.topk import top_k
from engine.values import values_at

FloatMatrix = npt.NDArray[np.float32]

_NB_KNOTS = (0.1, 0.3, 0.6, 0.9)
_SR_KNOTS = (0.1, 0.3, 0.6, 0.9)
_LAST_KNOTS = (0.05, 0.2, 0.5)
_AR_KNOTS = (0.2, 0.5, 0.8)
FEATURES = (
    *("neighbours", "rules", "repeat", "seen", "seen_twice", "log_count", "is_last"),
    *("log_rank", "rank_is_2", "rank_is_3", "rank_lt_5", "rank_lt_10", "rank_lt_20"),
    *("transition", "sqrt_transition", "log_pop", "log_pop_sq"),
    *("seen_x_log_len", "repeat_x_log_len", "is_last_x_log_len"),
    *("neighbours_x_log_len", "rules_x_log_len", "log_neighbours_raw", "log_rules_raw"),
    *("sqrt_neighbours", "sqrt_rules", "neighbours_x_rules", "seen_x_log_pop"),
    *("log_recent_pop", "recent_minus_pop", "seen_x_log_recent_pop"),
    *(f"neighbours_over_{k}" for k in _NB_KNOTS),
    *(f"rules_over_{k}" for k in _SR_KNOTS),
    *(f"transition_over_{k}" for k in _LAST_KNOTS),
    *("cooccurrence", "sqrt_cooccurrence"),
    *(f"cooccurrence_over_{k}" for k in _AR_KNOTS),
    *("is_tail", "tail_x_neighbours", "tail_x_rules"),
)


@dataclass(frozen=True)
class Candidates:
    """Candidate pairs of contexts and items: `rows` (n_pairs,), `items` (n_pairs,) and
    their `features` (n_pairs, len(FEATURES)), grouped by row, best hybrid rank first."""

    rows: npt.NDArray[np.int64]
    items: npt.NDArray[np.int32]
    features: FloatMatrix


class LearnedRanker(Recommender):
    """The hybrid's `candidates` best items per context, re-ordered by learned weights."""

    def __init__(
        self,
        hybrid: Hybrid,
        weights: Sequence[float],
        candidates: int = 50,
        recent_share: float = 0.1,
    ) -> None:
        super().__init__()
        if len(weights) != len(FEATURES):
            raise ValueError(f"the ranker needs {len(FEATURES)} weights, not {len(weights)}")
        self.hybrid = hybrid
        self.weights = np.asarray(weights, dtype=np.float32)
        self.candidates = candidates
        self.recent_share = recent_share
        self.name = hybrid.name

    def _fit(self, sessions: Sessions) -> None:
        self.hybrid.fit(sessions, self.n_items)
        self._cooccurrence = AssociationRules().fit(sessions, self.n_items)
        steps = item_pairs(sessions, self.n_items, 1, False, False)
        steps = sp.csr_matrix(steps - sp.diags(steps.diagonal()))
        out = np.asarray(steps.sum(axis=1)).ravel()
        # P(next = j | last = i): one step, repeats left to the re-view features.
        self._transitions = sp.csr_matrix(sp.diags(1 / np.maximum(out, 1)) @ steps)
        recent = sessions.select(
            np.arange(int(len(sessions) * (1 - self.recent_share)), len(sessions))
        )
        self._log_pop = np.log1p(self.popularity)
        self._is_tail = (~head_items(self.popularity)).astype(np.float32)
        self._log_recent = np.log1p(np.bincount(recent.items, minlength=self.n_items)).astype(
            np.float32
        )

    def _score(self, contexts: Sessions) -> sp.csr_matrix:
        found = self.candidates_of(contexts)
        logits = found.features @ self.weights
        best = np.full(len(contexts), -np.inf, dtype=np.float32)
        np.maximum.at(best, found.rows, logits)
        scores = np.exp(logits - best[found.rows])
        return sp.csr_matrix(
            (scores, (found.rows, found.items)), shape=(len(contexts), self.n_items)
        )

    def _score_one(self, context: npt.NDArray[np.int32]) -> FloatVector:
        """`_score` for one context, on dense vectors: the serving path."""
        parts = [member.score_one(context) for member in self.hybrid.members]
        scaled = [scaled_to_max(part) for part in parts]
        blend = self.hybrid.blend_scaled(scaled)
        evidence = np.flatnonzero(blend > 0)
        items = evidence[best_entries(blend[evidence], evidence, self.candidates)]
        distinct, recency = context_weights(context, 1.0)
        known = context[context >= 0]
        features = self._features(
            items=items,
            rank=np.arange(len(items)),
            neighbours=scaled[0][items],
            rules=scaled[1][items],
            raw_neighbours=parts[0][items],
            raw_rules=parts[1][items],
            repeat=looked_up(distinct, recency, items),
            count=(known[:, None] == items[None, :]).sum(axis=0),
            transition=(
                row_values(self._transitions, int(known[-1]), items)
                if len(known)
                else np.zeros(len(items), dtype=np.float32)
            ),
            together=scaled_to_max(self._cooccurrence.score_one(context))[items],
            log_len=np.full(len(items), np.log(max(len(context), 1))),
        )
        logits = features @ self.weights
        scores = np.zeros(self.n_items, dtype=np.float32)
        if len(items):
            scores[items] = np.exp(logits - logits.max())
        return scores

    def candidates_of(self, contexts: Sessions) -> Candidates:
        """The candidate items of every context and their features."""
        parts = [member.score(contexts) for member in self.hybrid.members]
        scaled = [scaled_to_row_max(part) for part in parts]
        blend = sum(
            (w * s for w, s in zip(self.hybrid.weights, scaled, strict=True)),
            sp.csr_matrix((len(contexts), self.n_items), dtype=np.float32),
        )
        ranked, _ = top_k(sp.csr_matrix(blend), self.candidates)
        rank = np.tile(np.arange(self.candidates), len(contexts))
        rows = np.repeat(np.arange(len(contexts), dtype=np.int64), self.candidates)
        kept = ranked.ravel() >= 0
        rows, items, rank = rows[kept], ranked.ravel()[kept], rank[kept]
        features = self._features(
            items=items,
            rank=rank,
            neighbours=values_at(scaled[0], rows, items),
            rules=values_at(scaled[1], rows, items),
            raw_neighbours=values_at(parts[0], rows, items),
            raw_rules=values_at(parts[1], rows, items),
            repeat=values_at(context_matrix(contexts, self.n_items, 1.0), rows, items),
            count=values_at(contexts.to_csr(self.n_items), rows, items),
            transition=values_at(self._last_items(contexts) @ self._transitions, rows, items),
            together=values_at(scaled_to_row_max(self._cooccurrence.score(contexts)), rows, items),
            log_len=np.log(np.maximum(contexts.lengths, 1))[rows],
        )
        return Candidates(rows, items.astype(np.int32), features)

    def _features(
        self,
        *,
        items: npt.NDArray[np.integer[Any]],
        rank: npt.NDArray[np.integer[Any]],
        neighbours: FloatVector,
        rules: FloatVector,
        raw_neighbours: FloatVector,
        raw_rules: FloatVector,
        repeat: FloatVector,
        count: npt.ArrayLike,
        transition: FloatVector,
        together: FloatVector,
        log_len: npt.ArrayLike,
    ) -> FloatMatrix:
        """The matrix (n_pairs, len(FEATURES)) of candidate pairs from their raw values."""
        count, log_len = np.asarray(count), np.asarray(log_len)
        seen, is_last = repeat > 0, repeat == 1
        log_pop, log_recent = self._log_pop[items], self._log_recent[items]
        is_tail = self._is_tail[items]
        columns = [
            *(neighbours, rules, repeat, seen, count > 1, np.log1p(count), is_last),
            *(np.log1p(rank), rank == 1, rank == 2, rank < 5, rank < 10, rank < 20),
            *(transition, np.sqrt(transition), log_pop, log_pop**2 / 10),
            *(seen * log_len, repeat * log_len, is_last * log_len),
            *(neighbours * log_len, rules * log_len),
            *(np.log(raw_neighbours + 1e-6) / 10, np.log(raw_rules + 1e-3) / 10),
            *(np.sqrt(neighbours), np.sqrt(rules), neighbours * rules, seen * log_pop),
            *(log_recent, log_recent - log_pop, seen * log_recent),
            *(np.maximum(neighbours - k, 0) for k in _NB_KNOTS),
            *(np.maximum(rules - k, 0) for k in _SR_KNOTS),
            *(np.maximum(transition - k, 0) for k in _LAST_KNOTS),
            *(together, np.sqrt(together)),
            *(np.maximum(together - k, 0) for k in _AR_KNOTS),
            *(is_tail, is_tail * neighbours, is_tail * rules),
        ]
        return np.column_stack([np.asarray(c, dtype=np.float32) for c in columns])

    def _last_items(self, contexts: Sessions) -> sp.csr_matrix:
        """csr_matrix (n_contexts, n_items): 1 at the last known item of each context."""
        known = contexts.drop(contexts.items < 0)
        filled = np.flatnonzero(known.lengths > 0)
        last = known.items[known.offsets[1:][filled] - 1]
        return sp.csr_matrix(
            (np.ones(len(filled), dtype=np.float32), (filled, last)),
            shape=(len(contexts), self.n_items),
        )

    def _reasons(
        self, context: npt.NDArray[np.int32], items: npt.NDArray[np.int32]
    ) -> list[tuple[str, int | None]]:
        """ "viewed again" for session items, else "viewed with" the most recent session
        item that past sessions show beside it (a few co-occurrence rows, fast to read)."""
        recent_first = np.array(list(dict.fromkeys(int(i) for i in context[::-1] if i >= 0)))
        if not len(recent_first):
            return [("popular", None)] * len(items)
        pairs = self._cooccurrence.pairs
        together = np.vstack([row_values(pairs, int(i), items) for i in recent_first]) > 0
        seen: npt.NDArray[np.bool_] = np.isin(items, recent_first)
        anywhere = np.asarray(together.any(axis=0), dtype=bool)
        return [
            ("viewed again", None)
            if again
            else ("viewed with", int(recent_first[lead]))
            if any_with
            else ("popular", None)
            for again, lead, any_with in zip(seen, together.argmax(axis=0), anywhere, strict=True)
        ]


def fit_ranker_weights(
    found: Candidates, targets: npt.NDArray[np.int32], l2: float = 1e-3, max_iter: int = 400
) -> npt.NDArray[np.float64]:
    """Weights (len(FEATURES),) that maximise the softmax likelihood of each context's
    target (n_contexts,) among its candidates; contexts whose target is not a candidate
    carry no information about the order and are left out."""
    is_target = found.items == targets[found.rows]
    useful = np.bincount(found.rows, weights=is_target, minlength=len(targets)) > 0
    kept = useful[found.rows]
    x, hit = found.features[kept], is_target[kept]
    _, group = np.unique(found.rows[kept], return_inverse=True)
    n_groups = int(group.max(initial=-1)) + 1

    def loss_and_gradient(w: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
        logits = (x @ w.astype(np.float32)).astype(np.float64)
        best = np.full(n_groups, -np.inf)
        np.maximum.at(best, group, logits)
        exp = np.exp(logits - best[group])
        total = np.bincount(group, weights=exp, minlength=n_groups)
        p = exp / total[group]
        loss = -(logits[hit] - best - np.log(total)).sum() / n_groups + l2 * (w @ w)
        gradient = (x.T @ (p - hit).astype(np.float32)) / n_groups + 2 * l2 * w
        return float(loss), gradient.astype(np.float64)

    start = np.zeros(found.features.shape[1])
    result = minimize(
        loss_and_gradient, start, jac=True, method="L-BFGS-B", options={"maxiter": max_iter}
    )
    weights: npt.NDArray[np.float64] = result.x
    return weights
