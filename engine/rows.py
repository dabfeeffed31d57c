"""One context at a time: sums of a few sparse rows as dense vectors, with plain numpy.

Serving asks for one visitor's recommendations at a time. Building scipy matrices for a
single row costs more than the arithmetic (each construction validates its input), so
the single-context path of the models works on the CSR arrays directly with these.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

FloatVector = npt.NDArray[np.float32]
IndexVector = npt.NDArray[np.int64]


def gathered(matrix: sp.csr_matrix, rows: npt.ArrayLike) -> tuple[IndexVector, IndexVector]:
    """The positions in `matrix.indices`/`data` of every entry of `rows`, and the place in
    `rows` each one came from; vectorised over the rows."""
    rows = np.asarray(rows, dtype=np.int64)
    starts = matrix.indptr[rows].astype(np.int64)
    lengths = matrix.indptr[rows + 1] - starts
    source = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
    first = np.cumsum(lengths) - lengths
    positions = starts[source] + np.arange(len(source), dtype=np.int64) - first[source]
    return positions, source


def weighted_row_sum(
    matrix: sp.csr_matrix, rows: npt.ArrayLike, weights: npt.ArrayLike
) -> FloatVector:
    """sum_r weights[r] * matrix[rows[r]] as a dense vector (n_columns,) float32."""
    positions, source = gathered(matrix, rows)
    values = matrix.data[positions] * np.asarray(weights, dtype=np.float32)[source]
    summed = np.bincount(matrix.indices[positions], weights=values, minlength=matrix.shape[1])
    return summed.astype(np.float32)


def sparse_row_sum(
    matrix: sp.csr_matrix, rows: npt.ArrayLike, weights: npt.ArrayLike
) -> tuple[IndexVector, FloatVector]:
    """`weighted_row_sum` as (the columns it touches, sorted; their sums): for matrices
    far wider than the few columns a handful of rows reach, where a dense vector of every
    column costs more than the sum."""
    positions, source = gathered(matrix, rows)
    values = matrix.data[positions] * np.asarray(weights, dtype=np.float32)[source]
    columns, inverse = np.unique(matrix.indices[positions], return_inverse=True)
    summed = np.bincount(inverse, weights=values, minlength=len(columns))
    return columns.astype(np.int64), summed.astype(np.float32)


def row_values(matrix: sp.csr_matrix, row: int, columns: npt.ArrayLike) -> FloatVector:
    """The entries of one row of `matrix` at `columns` (0 where nothing is stored)."""
    if not matrix.has_sorted_indices:
        matrix.sort_indices()  # in place, once: scipy remembers that they are sorted
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    return looked_up(matrix.indices[start:end], matrix.data[start:end], columns)


def looked_up(keys: npt.ArrayLike, values: npt.ArrayLike, wanted: npt.ArrayLike) -> FloatVector:
    """values[i] where keys[i] == wanted[j], for each j (0 where absent); keys sorted, unique."""
    keys, values, wanted = np.asarray(keys), np.asarray(values), np.asarray(wanted)
    if len(keys) == 0:
        return np.zeros(len(wanted), dtype=np.float32)
    at = np.searchsorted(keys, wanted).clip(0, len(keys) - 1)
    return np.where(keys[at] == wanted, values[at], 0).astype(np.float32)


def best_entries(values: npt.ArrayLike, indices: npt.ArrayLike, k: int) -> IndexVector:
    """Positions of the k largest `values`, best first, ties by the smaller index: the order
    of `topk.top_k`, found without sorting everything."""
    values, indices = np.asarray(values), np.asarray(indices)
    candidates = np.arange(len(values))
    if len(values) > k > 0:
        kth = np.partition(values, len(values) - k)[len(values) - k]
        candidates = np.flatnonzero(values >= kth)
    order = np.lexsort((indices[candidates], -values[candidates]))
    return candidates[order[:k]]


def scaled_to_max(scores: FloatVector) -> FloatVector:
    """`scores` divided by its largest entry (unchanged when it has no positive entry)."""
    top = scores.max(initial=0.0)
    return scores / top if top > 0 else scores


def distinct_row_sum(matrix: sp.csr_matrix, context: npt.NDArray[np.int32]) -> FloatVector:
    """The sum of the rows of the distinct known items of `context`, each counted once."""
    items = np.unique(context[context >= 0])
    return weighted_row_sum(matrix, items, np.ones(len(items), dtype=np.float32))
