"""The single-row helpers agree with scipy and with `top_k` on hand-checked cases."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from engine.rows import (
    best_entries,
    looked_up,
    row_values,
    scaled_to_max,
    sparse_row_sum,
    weighted_row_sum,
)
from engine.topk import top_k

MATRIX = sp.csr_matrix(
    np.array(
        [[0, 2, 0, 1], [3, 0, 0, 0], [0, 0, 0, 0], [1, 1, 4, 0]],
        dtype=np.float32,
    )
)


def test_weighted_row_sum_is_the_product_with_a_weight_vector() -> None:
    summed = weighted_row_sum(MATRIX, [0, 3, 2], [0.5, 2.0, 9.0])
    np.testing.assert_allclose(summed, [2.0, 3.0, 8.0, 0.5])
    assert summed.dtype == np.float32
    np.testing.assert_allclose(weighted_row_sum(MATRIX, [], []), [0, 0, 0, 0])


def test_sparse_row_sum_is_the_dense_sum_at_the_columns_touched() -> None:
    columns, summed = sparse_row_sum(MATRIX, [0, 3, 2], [0.5, 2.0, 9.0])
    assert columns.tolist() == [0, 1, 2, 3]
    np.testing.assert_array_equal(summed, weighted_row_sum(MATRIX, [0, 3, 2], [0.5, 2.0, 9.0]))
    columns, summed = sparse_row_sum(MATRIX, [1, 2], [2.0, 1.0])
    assert columns.tolist() == [0] and summed.tolist() == [6.0]
    columns, summed = sparse_row_sum(MATRIX, [], [])
    assert len(columns) == len(summed) == 0


def test_row_values_reads_stored_entries_and_zero_elsewhere() -> None:
    unsorted = sp.csr_matrix(
        (np.array([4.0, 1.0, 1.0]), np.array([2, 0, 1]), np.array([0, 3])), shape=(1, 4)
    )
    np.testing.assert_allclose(row_values(unsorted, 0, [1, 3, 2, 0]), [1.0, 0.0, 4.0, 1.0])
    np.testing.assert_allclose(row_values(MATRIX, 2, [0, 1]), [0.0, 0.0])


def test_looked_up_matches_keys() -> None:
    np.testing.assert_allclose(looked_up([2, 5, 9], [1.0, 2.0, 3.0], [9, 4, 2, 10]), [3, 0, 1, 0])
    np.testing.assert_allclose(looked_up([], [], [1, 2]), [0, 0])


def test_best_entries_orders_as_top_k_with_ties_by_index() -> None:
    values = np.array([0.5, 0.9, 0.5, 0.1, 0.9, 0.5], dtype=np.float32)
    indices = np.array([10, 7, 3, 1, 8, 4])
    picked = best_entries(values, indices, 4)
    assert indices[picked].tolist() == [7, 8, 3, 4]
    row = sp.csr_matrix((values, (np.zeros(6, dtype=int), indices)), shape=(1, 11))
    assert top_k(row, 4)[0][0].tolist() == indices[picked].tolist()
    assert indices[best_entries(values, indices, 10)].tolist() == [7, 8, 3, 4, 10, 1]


def test_scaled_to_max_leaves_an_empty_row_alone() -> None:
    np.testing.assert_allclose(scaled_to_max(np.array([1.0, 4.0], np.float32)), [0.25, 1.0])
    np.testing.assert_allclose(scaled_to_max(np.zeros(3, np.float32)), [0, 0, 0])
