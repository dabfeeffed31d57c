"""One context at a time: sparse rows of scores, and sums of a few rows of a CSR matrix.

Serving asks for one visitor's recommendations at a time. A context reaches a few hundred
of the catalogue's items, so the single-context path of the models keeps its scores as a
`Row` (the items with evidence and their scores) rather than a dense vector over every
item, and works on the CSR arrays directly: building scipy matrices for one row costs
more than the arithmetic. The loops are compiled (engine/compiled.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from engine.compiled import compiled

FloatVector = npt.NDArray[np.float32]
IndexVector = npt.NDArray[np.int32]


class Row(NamedTuple):
    """One context's scores: `items` (sorted, distinct) and their `scores`; absent items
    have no evidence (score 0)."""

    items: IndexVector
    scores: FloatVector


class Csr(NamedTuple):
    """The arrays of a csr_matrix, as compiled code takes them."""

    indptr: npt.NDArray[np.integer[Any]]
    indices: npt.NDArray[np.integer[Any]]
    data: npt.NDArray[np.floating[Any]]


def csr_arrays(matrix: sp.csr_matrix) -> Csr:
    """`matrix`'s arrays, its indices sorted within each row (for binary searches)."""
    if not matrix.has_sorted_indices:
        matrix.sort_indices()  # in place, once: scipy remembers that they are sorted
    return Csr(matrix.indptr, matrix.indices, matrix.data)


class Scratch(NamedTuple):
    """A dense vector of zeros, a mark per entry and the list of entries marked: sums over
    a few rows in time proportional to the entries they reach, not to the vector's size.

    Compiled code fills one and leaves it zeroed before it returns; as compiled calls hold
    the GIL, no two of them ever share one at the same time."""

    sums: FloatVector
    marked: npt.NDArray[np.bool_]
    touched: IndexVector


@cache
def scratch(size: int, slot: int = 0) -> Scratch:
    """The process's scratch number `slot` for vectors of `size` entries."""
    return Scratch(
        np.zeros(size, dtype=np.float32),
        np.zeros(size, dtype=np.bool_),
        np.zeros(size, dtype=np.int32),
    )


@compiled
def add_rows(
    matrix: Csr,
    rows: npt.NDArray[np.int32],
    weights: FloatVector,
    into: Scratch,
    n_touched: int,
) -> int:
    """Add sum_r weights[r] * matrix[rows[r]] into `into`, which has `n_touched` entries
    marked; gives how many are marked now."""
    for r in range(len(rows)):
        for position in range(matrix.indptr[rows[r]], matrix.indptr[rows[r] + 1]):
            column = matrix.indices[position]
            n_touched = add_to(into, column, matrix.data[position] * weights[r], n_touched)
    return n_touched


@compiled
def add_to(into: Scratch, column: int, value: float, n_touched: int) -> int:
    """Add `value` at `column` of `into`; gives how many entries are marked now."""
    if not into.marked[column]:
        into.marked[column] = True
        into.touched[n_touched] = column
        n_touched += 1
    into.sums[column] += value
    return n_touched


@compiled
def cleared(into: Scratch, n_touched: int) -> tuple[IndexVector, FloatVector]:
    """The marked entries of `into` (sorted) and their sums; `into` is zeroed again."""
    columns = np.sort(into.touched[:n_touched])
    sums = into.sums[columns]
    clear(into, n_touched)
    return columns, sums


@compiled
def clear(into: Scratch, n_touched: int) -> None:
    for column in into.touched[:n_touched]:
        into.sums[column] = 0.0
        into.marked[column] = False


@compiled
def _row_sum(
    matrix: Csr, rows: npt.NDArray[np.int32], weights: FloatVector, into: Scratch
) -> tuple[IndexVector, FloatVector]:
    return cleared(into, add_rows(matrix, rows, weights, into, 0))


@compiled
def _summed(
    columns: IndexVector, values: FloatVector, into: Scratch
) -> tuple[IndexVector, FloatVector]:
    n_touched = 0
    for at in range(len(columns)):
        n_touched = add_to(into, columns[at], values[at], n_touched)
    return cleared(into, n_touched)


def sparse_row_sum(matrix: sp.csr_matrix, rows: npt.ArrayLike, weights: npt.ArrayLike) -> Row:
    """sum_r weights[r] * matrix[rows[r]] as a `Row` over the columns it reaches."""
    items, scores = _row_sum(
        Csr(matrix.indptr, matrix.indices, matrix.data),
        np.asarray(rows, dtype=np.int32),
        np.asarray(weights, dtype=np.float32),
        scratch(matrix.shape[1]),
    )
    return Row(items, scores)


def distinct_row_sum(matrix: sp.csr_matrix, context: npt.NDArray[np.int32]) -> Row:
    """The sum of the rows of the distinct known items of `context`, each counted once."""
    items = np.unique(context[context >= 0])
    return sparse_row_sum(matrix, items, np.ones(len(items), dtype=np.float32))


def blended(rows: Sequence[Row], weights: Sequence[float], size: int) -> Row:
    """sum_m weights[m] * rows[m], rows of vectors of `size` entries."""
    items = np.concatenate([row.items for row in rows])
    scores = np.concatenate(
        [np.float32(w) * row.scores for row, w in zip(rows, weights, strict=True)]
    )
    return Row(*_summed(items, scores, scratch(size)))


def scaled_to_max(row: Row) -> Row:
    """`row` divided by its largest score (unchanged when it has no positive score)."""
    top = row.scores.max(initial=0.0)
    return Row(row.items, row.scores / top) if top > 0 else row


def row_values(matrix: sp.csr_matrix, row: int, columns: npt.ArrayLike) -> FloatVector:
    """The entries of one row of `matrix` at `columns` (0 where nothing is stored)."""
    if not matrix.has_sorted_indices:
        matrix.sort_indices()  # in place, once: scipy remembers that they are sorted
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    return looked_up(matrix.indices[start:end], matrix.data[start:end], columns)


@compiled
def _looked_up(
    keys: npt.NDArray[np.int32], values: npt.NDArray[np.float32], wanted: npt.NDArray[np.int32]
) -> FloatVector:
    found = np.zeros(len(wanted), dtype=np.float32)
    if len(keys) == 0:
        return found
    at = np.searchsorted(keys, wanted)
    for i in range(len(wanted)):
        if at[i] < len(keys) and keys[at[i]] == wanted[i]:
            found[i] = values[at[i]]
    return found


def looked_up(keys: npt.ArrayLike, values: npt.ArrayLike, wanted: npt.ArrayLike) -> FloatVector:
    """values[i] where keys[i] == wanted[j], for each j (0 where absent); keys sorted, unique."""
    return _looked_up(
        np.asarray(keys, dtype=np.int32),
        np.asarray(values, dtype=np.float32),
        np.asarray(wanted, dtype=np.int32),
    )


def best_in_row(row: Row, blocked: npt.NDArray[np.int64], k: int) -> Row:
    """The k best entries of `row` with a positive score and not in `blocked`, best first,
    ties by the smaller item: the order of `topk.top_k`, in one compiled call."""
    return Row(*best_kept(row.items, row.scores, blocked, k))


@compiled
def best_kept(
    items: npt.NDArray[np.int32], scores: FloatVector, blocked: npt.NDArray[np.int64], k: int
) -> tuple[npt.NDArray[np.int32], FloatVector]:
    """`best_in_row` in compiled code: the row as its items (sorted) and their scores."""
    chosen = np.flatnonzero((scores > 0) & kept(items, blocked))
    picked = chosen[best_of(scores[chosen], items[chosen], k)]
    return items[picked], scores[picked]


@compiled
def best_of(
    values: FloatVector, indices: npt.NDArray[np.integer[Any]], k: int
) -> npt.NDArray[np.int64]:
    """Positions of the k largest `values`, best first, ties by the smaller index: the order
    of `topk.top_k`, found without sorting everything."""
    candidates = np.arange(len(values))
    if len(values) > k > 0:
        kth = np.partition(values, len(values) - k)[len(values) - k]
        candidates = np.flatnonzero(values >= kth)
    by_index = candidates[np.argsort(indices[candidates], kind="mergesort")]
    best_first = by_index[np.argsort(-values[by_index], kind="mergesort")]
    return best_first[:k]


@compiled
def first_row_with(
    matrix: Csr, rows: npt.NDArray[np.int32], columns: npt.NDArray[np.integer[Any]]
) -> npt.NDArray[np.int64]:
    """For each of `columns`, the place in `rows` of the first row with a positive entry
    there, or -1; indices sorted (`csr_arrays`)."""
    found = np.full(len(columns), -1, dtype=np.int64)
    for c in range(len(columns)):
        for r in range(len(rows)):
            if value_at(matrix, rows[r], columns[c]) > 0:
                found[c] = r
                break
    return found


@compiled
def kept(
    items: npt.NDArray[np.integer[Any]], blocked: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    """Whether each of `items` (sorted) is absent from `blocked`."""
    keep = np.ones(len(items), dtype=np.bool_)
    for item in blocked:
        at = np.searchsorted(items, item)
        if at < len(items) and items[at] == item:
            keep[at] = False
    return keep


@compiled
def largest(into: Scratch, n_touched: int) -> float:
    """The largest sum marked in `into` (0 when none is positive)."""
    top = 0.0
    for column in into.touched[:n_touched]:
        top = max(top, into.sums[column])
    return top


@compiled
def scaled(value: float, top: float) -> np.float32:
    """`value` over the largest of its row, as `scaled_to_max` divides it."""
    return np.float32(value) / np.float32(top) if top > 0 else np.float32(value)


@compiled
def value_at(matrix: Csr, row: int, column: int) -> float:
    """matrix[row, column] (0 where nothing is stored); indices sorted (`csr_arrays`)."""
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    at = start + np.searchsorted(matrix.indices[start:end], column)
    return matrix.data[at] if at < end and matrix.indices[at] == column else 0.0
