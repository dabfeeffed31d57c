"""Bought together: co-purchase associations from baskets, scored for significance.

Raw co-purchase counts favour whatever sells most; plain confidence P(j | i) favours it
too and trusts pairs seen once. `BoughtTogether` scores each pair by a measure of how
far it is from chance (Dunning's log-likelihood ratio by default, or lift), keeps only
pairs bought together more often than chance, and sums the evidence of every item of
the basket. Pairs from large baskets weigh less: a wholesale order of 300 products says
little about any one pair.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from engine.evidence import strongest_reasons
from engine.recommender import Recommender
from engine.rows import Row, distinct_row_sum
from engine.rules import keep_strongest
from engine.sessions import Sessions

Measure = Literal["llr", "lift", "confidence"]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class BasketSettings:
    """measure: how a pair is scored; min_together: baskets a pair needs to count;
    keep: associations kept per item (0 = all); size_power: a basket of size s adds
    1 / (s - 1) ** size_power to each of its pairs; shrink: the measure is scaled by
    together / (together + shrink), so that rare pairs need more evidence."""

    measure: Measure = "llr"
    min_together: int = 2
    keep: int = 200
    size_power: float = 1.0
    shrink: float = 0.0


# Tuned on a validation split of Online Retail's training period (bench/engine_baskets.py).
SERVED_BASKET = BasketSettings()
# Association rules with plain confidence P(j | i), summed over the basket: the baseline.
CONFIDENCE_RULES = BasketSettings(measure="confidence", min_together=1, keep=0, size_power=0.0)


def entropy(*counts: FloatArray) -> FloatArray:
    """Unnormalised entropy of counts per pair: xlogx(total) - sum xlogx(count)."""
    total = np.sum(counts, axis=0)
    return _xlogx(total) - np.sum([_xlogx(c) for c in counts], axis=0, dtype=np.float64)


def _xlogx(x: FloatArray) -> FloatArray:
    return np.where(x > 0, x * np.log(np.maximum(x, 1e-300)), 0.0)


def log_likelihood_ratio(
    together: FloatArray, first: FloatArray, second: FloatArray, total: float
) -> FloatArray:
    """Dunning's G^2 of the 2x2 table of each pair (n_pairs,), as Mahout computes it.

    `together`: baskets with both; `first`, `second`: baskets with each; `total`: baskets.
    """
    k11, k12, k21 = together, first - together, second - together
    k22 = total - first - second + together
    rows = entropy(k11 + k12, k21 + k22)
    cols = entropy(k11 + k21, k12 + k22)
    cells = entropy(k11, k12, k21, k22)
    return np.maximum(2.0 * (rows + cols - cells), 0.0)


def co_purchases(
    baskets: Sessions, n_items: int, size_power: float = 0.0, block: int = 4_000_000
) -> Iterator[tuple[int, sp.coo_matrix, FloatArray]]:
    """Pairs of distinct items bought together, a block of items (rows) at a time: the
    block's first row, coo_matrix (rows of the block, n_items) of the baskets holding both,
    and per stored pair (nnz,) the mean over those baskets of 1 / (size - 1) ** size_power
    (size: distinct known items of the basket). A block holds about `block` pairs of
    baskets at most, so memory stays bounded however many orders there are."""
    bought = baskets.to_csr(n_items)
    bought.data[:] = 1.0
    sizes = np.diff(bought.indptr).astype(np.float64)
    weighted_bought = sp.csr_matrix(sp.diags(np.maximum(sizes - 1, 1.0) ** -size_power) @ bought)
    by_item = sp.csr_matrix(bought.T)
    # A row's pairs are at most the summed sizes of the baskets holding its item.
    reach = np.cumsum(by_item @ sizes)
    cuts = np.searchsorted(reach, np.arange(block, reach[-1] if n_items else 0, block))
    bounds = np.unique(np.concatenate([[0], cuts, [n_items]]).astype(np.int64))
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        rows = by_item[start:stop]
        together = sp.csr_matrix(rows @ bought)
        # Same sparsity as `together` (every weight is > 0), so the data arrays line up.
        weighted = sp.csr_matrix(rows @ weighted_bought)
        together.sort_indices()
        weighted.sort_indices()
        pairs = together.tocoo()
        off = pairs.row + start != pairs.col
        discount = weighted.data[off] / together.data[off]
        shape = pairs.shape
        yield (
            int(start),
            sp.coo_matrix((pairs.data[off], (pairs.row[off], pairs.col[off])), shape),
            discount,
        )


class BoughtTogether(Recommender):
    """Items bought with the basket's items more often than chance (see module docstring)."""

    name = "bought_together"

    def __init__(self, settings: BasketSettings = SERVED_BASKET, name: str | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.name = name or self.name
        self.associations = sp.csr_matrix((0, 0), dtype=np.float32)

    def _fit(self, sessions: Sessions) -> None:
        s = self.settings
        per_item = np.bincount(sessions.to_csr(self.n_items).indices, minlength=self.n_items)
        blocks = [
            keep_strongest(
                self._significance(start, pairs, discount, per_item, len(sessions)), s.keep
            )
            for start, pairs, discount in co_purchases(sessions, self.n_items, s.size_power)
        ]
        self.associations = sp.csr_matrix(
            sp.vstack(blocks, format="csr") if blocks else sp.csr_matrix((0, self.n_items)),
            dtype=np.float32,
        )

    def _significance(
        self,
        start: int,
        pairs: sp.coo_matrix,
        discount: FloatArray,
        per_item: npt.NDArray[np.int64],
        baskets: int,
    ) -> sp.csr_matrix:
        """Scores of the pairs of rows start.. (coo (rows, n_items) of baskets with both)."""
        s = self.settings
        per_item = per_item.astype(np.float64)
        keep = pairs.data >= s.min_together
        if s.measure != "confidence":
            # Only pairs bought together more often than chance are associations.
            keep &= pairs.data * baskets > per_item[pairs.row + start] * per_item[pairs.col]
        i, j = pairs.row[keep], pairs.col[keep]
        first = per_item[i + start]
        k11 = pairs.data[keep].astype(np.float64)
        if s.measure == "confidence":
            score = k11 / first
        elif s.measure == "lift":
            score = k11 * baskets / (first * per_item[j])
        else:
            score = log_likelihood_ratio(k11, first, per_item[j], float(baskets))
        score *= discount[keep] * k11 / (k11 + s.shrink)
        return sp.csr_matrix((score, (i, j)), shape=pairs.shape)

    def _score(self, contexts: Sessions) -> sp.csr_matrix:
        basket = contexts.to_csr(self.n_items)
        basket.data[:] = 1.0
        return sp.csr_matrix(basket @ self.associations)

    def _score_one(self, context: npt.NDArray[np.int32]) -> Row:
        return distinct_row_sum(self.associations, context)

    def _reasons(
        self, context: npt.NDArray[np.int32], items: npt.NDArray[np.int32]
    ) -> list[tuple[str, int | None]]:
        return strongest_reasons(self.associations, "bought together with", context, items)
