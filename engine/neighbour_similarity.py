"""Item-item similarity as implicit's nearest-neighbour recommenders compute it, in less
memory: the weighting (cosine, BM25 or TF-IDF) over the rows each item appears in, then
each item's most similar others, a block of items at a time."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from implicit.nearest_neighbours import normalize, tfidf_weight

from engine.compiled import compiled

NeighbourKind = Literal["cosine", "bm25", "tfidf"]
FloatArray = npt.NDArray[np.float32]
# implicit's BM25Recommender's defaults.
BM25_K1, BM25_B = 1.2, 0.75
# Items whose neighbours one task finds: its output buffer holds BLOCK * neighbours pairs.
BLOCK = 8192


def neighbour_similarity(
    matrix: sp.csr_matrix, kind: NeighbourKind, neighbours: int, threads: int
) -> sp.csr_matrix:
    """implicit's item-item similarity of `kind` over `matrix` (csr (n_rows, n_items): sessions
    or visitors by items), the `neighbours - 1` most similar other items kept per item
    (implicit's K counts the item itself, its own best match in all but ties), without
    zeros: csr (n_items, n_items) of float32. `threads`: 0 for one per core.

    The same sums as implicit's `all_pairs_knn`, found a block of items at a time: implicit
    allocates 20 bytes per item and neighbour up front and copies the result twice (5 GB
    at half a million items), where a block's buffer is a few MB and the result is the
    only copy that stays."""
    if matrix.shape[1] == 0:  # the weightings take logarithms of the item count
        return sp.csr_matrix((0, 0), dtype=np.float32)
    by_item = weighted_by_item(matrix, kind)
    by_row = sp.csr_matrix(by_item.T)
    n_items = by_item.shape[0]
    blocks = range(0, n_items, BLOCK)

    def block(start: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], FloatArray]:
        stop = min(start + BLOCK, n_items)
        lengths = np.zeros(stop - start, dtype=np.int64)
        columns = np.empty((stop - start) * neighbours, dtype=np.int32)
        values = np.empty((stop - start) * neighbours, dtype=np.float32)
        used = _block_neighbours(
            by_item.indptr, by_item.indices, by_item.data,
            by_row.indptr, by_row.indices, by_row.data,
            start, stop, neighbours, lengths, columns, values,
        )  # fmt: skip
        return lengths, columns[:used].copy(), values[:used].copy()

    workers = threads if threads > 0 else os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(block, blocks))
    indptr = np.zeros(n_items + 1, dtype=np.int64)
    if parts:
        np.cumsum(np.concatenate([lengths for lengths, _, _ in parts]), out=indptr[1:])
    columns = np.concatenate([np.zeros(0, np.int32), *(part[1] for part in parts)])
    values = np.concatenate([np.zeros(0, np.float32), *(part[2] for part in parts)])
    del parts
    return sp.csr_matrix((values, columns, indptr), shape=(n_items, n_items))


def weighted_by_item(matrix: sp.csr_matrix, kind: NeighbourKind) -> sp.csr_matrix:
    """csr (n_items, n_rows) of float32: `matrix` transposed and weighted as implicit's
    recommender of `kind` weighs it. Cosine and BM25 (the ones training uses) are computed
    here in place, in implicit's order of operations and types: implicit's own functions
    make several float64 copies of the matrix (0.8 GB at 12 million entries)."""
    by_item = sp.csr_matrix(matrix.T, dtype=np.float32)
    if kind == "tfidf":
        return sp.csr_matrix(normalize(tfidf_weight(by_item)), dtype=np.float32)
    n_items = by_item.shape[0]
    data, rows = by_item.data, by_item.indices
    items = np.repeat(np.arange(n_items, dtype=np.int32), np.diff(by_item.indptr))
    if kind == "cosine":
        norms = np.sqrt(np.bincount(items, data**2, minlength=n_items))
        np.divide(data, norms[items], out=data, casting="unsafe")
        return by_item
    idf = np.log(float(n_items)) - np.log1p(np.bincount(rows))
    lengths = np.asarray(by_item.sum(axis=1)).ravel()
    length_norm = (1.0 - BM25_B) + BM25_B * lengths / lengths.mean()
    denominator = BM25_K1 * length_norm[items]
    denominator += data
    data *= BM25_K1 + 1.0
    data /= denominator
    del denominator
    np.multiply(data, idf[rows], out=data, casting="unsafe")
    return by_item


@compiled
def _block_neighbours(
    item_indptr: npt.NDArray[np.int32],
    item_rows: npt.NDArray[np.int32],
    item_weights: FloatArray,
    row_indptr: npt.NDArray[np.int32],
    row_items: npt.NDArray[np.int32],
    row_weights: FloatArray,
    start: int,
    stop: int,
    neighbours: int,
    lengths: npt.NDArray[np.int64],
    columns: npt.NDArray[np.int32],
    values: FloatArray,
) -> int:
    """Each item of [start, stop): its similarity to every item sharing a row, summed in
    implicit's order; its `neighbours - 1` best others kept in `columns`/`values` in
    column order, less zeros, their count in `lengths`. Returns the pairs
    written."""
    n_items = len(item_indptr) - 1
    sums = np.zeros(n_items, dtype=np.float32)
    seen = np.zeros(n_items, dtype=np.bool_)
    touched = np.empty(n_items, dtype=np.int32)
    used = 0
    for item in range(start, stop):
        count = 0
        for at in range(item_indptr[item], item_indptr[item + 1]):
            row, weight = item_rows[at], item_weights[at]
            for other_at in range(row_indptr[row], row_indptr[row + 1]):
                other = row_items[other_at]
                sums[other] += row_weights[other_at] * weight
                if not seen[other]:
                    seen[other] = True
                    touched[count] = other
                    count += 1
        # Its own score is no candidate. The k-th best other score; of the items tied
        # at it, the first ones fill up to k.
        sums[item], kept = 0, neighbours - 1
        threshold = -np.inf if count <= kept else np.inf
        if 0 < kept < count:
            scores = np.empty(count, dtype=np.float32)
            for t in range(count):
                scores[t] = sums[touched[t]] if touched[t] != item else -np.inf
            threshold = np.partition(scores, count - kept)[count - kept]
        ties = kept
        for t in range(count):
            if sums[touched[t]] > threshold and touched[t] != item:
                ties -= 1
        row_start = used
        for t in range(count):
            other = touched[t]
            score = sums[other]
            chosen = score > threshold
            if not chosen and score == threshold and ties > 0:
                chosen, ties = True, ties - 1
            if chosen and other != item and score != 0:
                columns[used], values[used] = other, score
                used += 1
            sums[other], seen[other] = 0, False
        order = np.argsort(columns[row_start:used])
        columns[row_start:used] = columns[row_start:used][order]
        values[row_start:used] = values[row_start:used][order]
        lengths[item - start] = used - row_start
    return used
