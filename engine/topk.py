"""The n best items of every row of a sparse score matrix, in one vectorised pass."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

NO_ITEM = -1


def without(scores: sp.csr_matrix, exclude: sp.csr_matrix | None) -> sp.csr_matrix:
    """`scores` with every entry that is non-zero in `exclude` (same shape) removed."""
    if exclude is None or exclude.nnz == 0:
        return scores
    kept = scores - scores.multiply(exclude != 0)
    kept = sp.csr_matrix(kept)
    kept.eliminate_zeros()
    return kept


def top_k(scores: sp.csr_matrix, n: int) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
    """Items (n_rows, n) int32 and scores (n_rows, n) float32, best first, ties by item.

    Rows with fewer than n stored scores are padded with `NO_ITEM` and score 0.
    """
    scores = sp.csr_matrix(scores)
    n_rows = scores.shape[0]
    items = np.full((n_rows, n), NO_ITEM, dtype=np.int32)
    values = np.zeros((n_rows, n), dtype=np.float32)
    if scores.nnz == 0 or n == 0:
        return items, values
    counts = np.diff(scores.indptr)
    rows = np.repeat(np.arange(n_rows), counts)
    order = np.lexsort((scores.indices, -scores.data, rows))
    rank = np.arange(scores.nnz) - np.repeat(scores.indptr[:-1], counts)
    keep = rank < n
    picked = order[keep]
    items[rows[keep], rank[keep]] = scores.indices[picked]
    values[rows[keep], rank[keep]] = scores.data[picked]
    return items, values
