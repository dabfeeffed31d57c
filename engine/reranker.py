"""A learned re-ranker: the served hybrid proposes candidates, a linear model orders them.

For each context the weighted hybrid of session neighbours, sequential rules and re-views
proposes its `candidates` best items; each candidate gets the features of `FEATURES`
(every part's score and the hybrid rank, how and when the session viewed it, last-item
transition probability, co-occurrence, overall and recent popularity), and the final
score is exp(w . x - max over the context): a softmax over the candidates, fitted by
`fit_ranker_weights` to the next items of a validation split (bench/engine_tuning.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import minimize

from engine.compiled import compiled
from engine.context import context_matrix, decay_of, recent_items
from engine.hybrid import Hybrid, scaled_to_row_max
from engine.metrics import head_items
from engine.neighbourhood import Neighbours, SessionNeighbourhood, neighbour_votes
from engine.popularity import Repeats
from engine.recommender import Ranked, Recommender
from engine.rows import (
    Csr,
    FloatVector,
    Row,
    Scratch,
    add_rows,
    add_to,
    best_kept,
    best_of,
    clear,
    csr_arrays,
    first_row_with,
    largest,
    scaled,
    scratch,
    value_at,
)
from engine.rules import AssociationRules, SequentialRules, item_pairs
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
        _members(hybrid)

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
        self._arrays = self._compiled_arrays()

    def _score(self, contexts: Sessions) -> sp.csr_matrix:
        found = self.candidates_of(contexts)
        logits = found.features @ self.weights
        best = np.full(len(contexts), -np.inf, dtype=np.float32)
        np.maximum.at(best, found.rows, logits)
        scores = np.exp(logits - best[found.rows])
        return sp.csr_matrix(
            (scores, (found.rows, found.items)), shape=(len(contexts), self.n_items)
        )

    def _score_one(self, context: npt.NDArray[np.int32]) -> Row:
        """`_score` for one context, in one compiled call: the serving path."""
        return Row(*_scored_candidates(self._arrays, context, *self._scratches()))

    def ranked(self, context: Sequence[int], n: int, exclude: Iterable[int] = ()) -> Ranked:
        """As `Recommender.ranked`, in one compiled call: each compiled call costs
        several microseconds to dispatch, as much as picking the best and their leads."""
        indices = np.asarray(context, dtype=np.int32)
        blocked = np.fromiter(exclude, dtype=np.int64)
        items, scores, recent_first, leads = _ranked(
            self._arrays, indices, blocked, n, *self._scratches()
        )
        found = items.tolist()
        return Ranked(found, scores.tolist(), _worded(recent_first.tolist(), found, leads.tolist()))

    def _scratches(self) -> tuple[Scratch, Scratch, Scratch, Scratch, Scratch]:
        """Scratch over the sessions, then four over the items."""
        n_items, n_sessions = self.n_items, self._arrays.neighbours.sessions.indptr.size - 1
        return (
            scratch(n_sessions),
            scratch(n_items, 0),
            scratch(n_items, 1),
            scratch(n_items, 2),
            scratch(n_items, 3),
        )

    def _compiled_arrays(self) -> Ranker:
        neighbours, rules, repeats = _members(self.hybrid)
        return Ranker(
            neighbours.arrays(),
            csr_arrays(rules.pairs),
            decay_of(rules.settings.click_decay),
            decay_of(repeats.click_decay),
            np.asarray(self.hybrid.weights, dtype=np.float32),
            self.candidates,
            csr_arrays(self._cooccurrence.pairs),
            decay_of(self._cooccurrence.settings.click_decay),
            csr_arrays(self._transitions),
            self._log_pop,
            self._log_recent,
            self._is_tail,
            self.weights,
        )

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
        features = np.empty((len(items), len(FEATURES)), dtype=np.float32)
        raw = (neighbours, rules, raw_neighbours, raw_rules, repeat, count, transition, together)
        _fill_features(
            features,
            np.asarray(items, dtype=np.int64),
            np.asarray(rank, dtype=np.int64),
            np.vstack([np.asarray(values, dtype=np.float32) for values in raw]),
            np.broadcast_to(np.asarray(log_len, dtype=np.float64), len(items)),
            self._log_pop,
            self._log_recent,
            self._is_tail,
        )
        return features

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
        recent_first = _recent_first(context)
        leads = first_row_with(self._arrays.cooccurrence, recent_first, items)
        return _worded(recent_first.tolist(), items.tolist(), leads.tolist())


def _worded(
    recent_first: list[int], items: list[int], leads: list[int]
) -> list[tuple[str, int | None]]:
    """ "viewed again" for session items, else "viewed with" the most recent session item
    that past sessions show beside it (`leads`: its place in `recent_first`, or -1)."""
    seen = set(recent_first)
    return [
        ("viewed again", None)
        if item in seen
        else ("viewed with", recent_first[lead])
        if lead >= 0
        else ("popular", None)
        for item, lead in zip(items, leads, strict=True)
    ]


@compiled
def _recent_first(context: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
    """The distinct items of `context` (unknown ones left out), most recent first."""
    found = np.empty(len(context), dtype=np.int32)
    n = 0
    for at in range(len(context) - 1, -1, -1):
        item = context[at]
        if item >= 0 and not (found[:n] == item).any():
            found[n] = item
            n += 1
    return found[:n]


@compiled
def _ranked(
    model: Ranker,
    context: npt.NDArray[np.int32],
    blocked: npt.NDArray[np.int64],
    n: int,
    by_session: Scratch,
    neighbours: Scratch,
    rules: Scratch,
    blend: Scratch,
    together: Scratch,
) -> tuple[npt.NDArray[np.int32], FloatVector, npt.NDArray[np.int32], npt.NDArray[np.int64]]:
    """`ranked` of one context: the n best items, their scores, the context's distinct
    items most recent first and, per item, the first of those seen with it (or -1)."""
    items, scores = _scored_candidates(
        model, context, by_session, neighbours, rules, blend, together
    )
    best, best_scores = best_kept(items, scores, blocked, n)
    recent_first = _recent_first(context)
    return best, best_scores, recent_first, first_row_with(model.cooccurrence, recent_first, best)


def _members(hybrid: Hybrid) -> tuple[SessionNeighbourhood, SequentialRules, Repeats]:
    """The hybrid's members, which the features name: neighbours, rules, re-views."""
    match hybrid.members:
        case [SessionNeighbourhood() as n, SequentialRules() as r, Repeats() as s]:
            return n, r, s
    raise ValueError("the ranker re-ranks a hybrid of session neighbours, rules and re-views")


class Ranker(NamedTuple):
    """A fitted ranker's arrays, as compiled code takes them."""

    neighbours: Neighbours
    rules: Csr
    rules_decay: float
    repeats_decay: float
    blend: FloatVector
    candidates: int
    cooccurrence: Csr
    cooccurrence_decay: float
    transitions: Csr
    log_pop: FloatVector
    log_recent: FloatVector
    is_tail: FloatVector
    weights: FloatVector


@compiled
def _scored_candidates(
    model: Ranker,
    context: npt.NDArray[np.int32],
    by_session: Scratch,
    neighbours: Scratch,
    rules: Scratch,
    blend: Scratch,
    together: Scratch,
) -> tuple[npt.NDArray[np.int32], FloatVector]:
    """`LearnedRanker._score` of one context: its candidates (sorted) and their scores.
    The scratches are over the sessions, then four over the items."""
    n_neighbours = neighbour_votes(model.neighbours, context, by_session, neighbours)
    rule_items, rule_weights = recent_items(context, model.rules_decay)
    n_rules = add_rows(model.rules, rule_items, rule_weights, rules, 0)
    seen, recency = recent_items(context, model.repeats_decay)
    top_neighbours, top_rules = largest(neighbours, n_neighbours), largest(rules, n_rules)
    top_seen = recency.max() if len(recency) else 0.0
    # The hybrid's blend of its members, each scaled to a best score of 1.
    n_blend = 0
    for item in neighbours.touched[:n_neighbours]:
        part = scaled(neighbours.sums[item], top_neighbours)
        n_blend = add_to(blend, item, model.blend[0] * part, n_blend)
    for item in rules.touched[:n_rules]:
        n_blend = add_to(blend, item, model.blend[1] * scaled(rules.sums[item], top_rules), n_blend)
    for at in range(len(seen)):
        n_blend = add_to(blend, seen[at], model.blend[2] * scaled(recency[at], top_seen), n_blend)
    evidence = blend.touched[:n_blend].copy()
    blended = blend.sums[evidence]
    clear(blend, n_blend)
    evidence, blended = evidence[blended > 0], blended[blended > 0]
    items = evidence[best_of(blended, evidence, model.candidates)]
    # The raw values of each candidate's features.
    near_items, near_weights = recent_items(context, model.cooccurrence_decay)
    n_together = add_rows(model.cooccurrence, near_items, near_weights, together, 0)
    top_together = largest(together, n_together)
    distinct, recent = recent_items(context, 1.0)
    known = context[context >= 0]
    n = len(items)
    values = np.zeros((8, n), dtype=np.float32)
    for p in range(n):
        item = items[p]
        values[0, p] = scaled(neighbours.sums[item], top_neighbours)
        values[1, p] = scaled(rules.sums[item], top_rules)
        values[2, p], values[3, p] = neighbours.sums[item], rules.sums[item]
        at = np.searchsorted(distinct, item)
        if at < len(distinct) and distinct[at] == item:
            values[4, p] = recent[at]
        values[5, p] = (known == item).sum()
        if len(known):
            values[6, p] = value_at(model.transitions, known[-1], item)
        values[7, p] = scaled(together.sums[item], top_together)
    clear(neighbours, n_neighbours)
    clear(rules, n_rules)
    clear(together, n_together)
    features = np.empty((n, len(model.weights)), dtype=np.float32)
    log_len = np.full(n, np.log(max(len(context), 1)))
    _fill_features(
        features,
        items.astype(np.int64),
        np.arange(n),
        values,
        log_len,
        model.log_pop,
        model.log_recent,
        model.is_tail,
    )
    logits = np.zeros(n, dtype=np.float32)
    for p in range(n):
        for column in range(len(model.weights)):
            logits[p] += features[p, column] * model.weights[column]
    order = np.argsort(items)
    if n == 0:
        return items, logits
    return items[order].astype(np.int32), np.exp(logits[order] - logits.max())


@compiled
def _flag(condition: bool | np.bool_) -> float:
    return 1.0 if condition else 0.0


@compiled
def _over(value: float, knot: float) -> float:
    return max(value - knot, 0.0)


@compiled
def _fill_features(
    features: FloatMatrix,
    items: npt.NDArray[np.int64],
    rank: npt.NDArray[np.int64],
    raw: FloatMatrix,
    log_len: npt.NDArray[np.float64],
    log_pop_of: FloatVector,
    log_recent_of: FloatVector,
    is_tail_of: FloatVector,
) -> None:
    """Each row of `features` (n_pairs, len(FEATURES)): one candidate pair, column by column
    in the order of `FEATURES`. `raw` (8, n_pairs) holds, per pair, its scaled neighbours
    and rules scores, the same unscaled, its re-view weight, how often the context holds
    it, the transition probability from the last item and its scaled co-occurrence."""
    for p in range(len(items)):
        nb, sr, raw_neighbours, raw_rules = raw[0, p], raw[1, p], raw[2, p], raw[3, p]
        rep, c, tr, ar = np.float64(raw[4, p]), np.float64(raw[5, p]), raw[6, p], raw[7, p]
        nb, sr, tr, ar = np.float64(nb), np.float64(sr), np.float64(tr), np.float64(ar)
        r, n = rank[p], log_len[p]
        seen, is_last = _flag(rep > 0), _flag(rep == 1)
        item = items[p]
        log_pop, log_recent = np.float64(log_pop_of[item]), np.float64(log_recent_of[item])
        tail = np.float64(is_tail_of[item])
        values = (
            *(nb, sr, rep, seen, _flag(c > 1), np.log1p(c), is_last),
            *(np.log1p(r), _flag(r == 1), _flag(r == 2), _flag(r < 5), _flag(r < 10)),
            *(_flag(r < 20), tr, np.sqrt(tr), log_pop, log_pop**2 / 10),
            *(seen * n, rep * n, is_last * n, nb * n, sr * n),
            *(np.log(raw_neighbours + 1e-6) / 10, np.log(raw_rules + 1e-3) / 10),
            *(np.sqrt(nb), np.sqrt(sr), nb * sr, seen * log_pop),
            *(log_recent, log_recent - log_pop, seen * log_recent),
            *(_over(nb, _NB_KNOTS[0]), _over(nb, _NB_KNOTS[1]), _over(nb, _NB_KNOTS[2])),
            *(_over(nb, _NB_KNOTS[3]), _over(sr, _SR_KNOTS[0]), _over(sr, _SR_KNOTS[1])),
            *(_over(sr, _SR_KNOTS[2]), _over(sr, _SR_KNOTS[3]), _over(tr, _LAST_KNOTS[0])),
            *(_over(tr, _LAST_KNOTS[1]), _over(tr, _LAST_KNOTS[2])),
            *(ar, np.sqrt(ar), _over(ar, _AR_KNOTS[0]), _over(ar, _AR_KNOTS[1])),
            *(_over(ar, _AR_KNOTS[2]), tail, tail * nb, tail * sr),
        )
        for column, value in enumerate(values):
            features[p, column] = value


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
