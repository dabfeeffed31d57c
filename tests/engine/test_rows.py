"""The single-row helpers agree with scipy and with `top_k` on hand-checked cases."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from engine.rows import (
    Row,
    best_in_row,
    blended,
    csr_arrays,
    first_row_with,
    kept,
    looked_up,
    row_values,
    scaled_to_max,
    scratch,
    sparse_row_sum,
)
from engine.topk import top_k

MATRIX = sp.csr_matrix(
    np.array(
        [[0, 2, 0, 1], [3, 0, 0, 0], [0, 0, 0, 0], [1, 1, 4, 0]],
        dtype=np.float32,
    )
)


def test_sparse_row_sum_is_the_product_with_a_weight_vector_at_the_columns_reached() -> None:
    row = sparse_row_sum(MATRIX, [0, 3, 2], [0.5, 2.0, 9.0])
    assert row.items.tolist() == [0, 1, 2, 3]
    np.testing.assert_allclose(row.scores, np.array([0.5, 0, 9.0, 2.0]) @ MATRIX.toarray())
    assert row.scores.dtype == np.float32
    row = sparse_row_sum(MATRIX, [1, 2], [2.0, 1.0])
    assert row.items.tolist() == [0] and row.scores.tolist() == [6.0]
    row = sparse_row_sum(MATRIX, [], [])
    assert len(row.items) == len(row.scores) == 0


def test_sums_leave_their_scratch_zeroed() -> None:
    sparse_row_sum(MATRIX, [0, 3], [1.0, 1.0])
    blended([Row(np.array([1, 3], np.int32), np.ones(2, np.float32))], [2.0], 4)
    used = scratch(4)
    assert not used.sums.any() and not used.marked.any()


def test_blended_is_the_weighted_sum_of_rows() -> None:
    a = Row(np.array([0, 2], np.int32), np.array([1.0, 2.0], np.float32))
    b = Row(np.array([2, 3], np.int32), np.array([4.0, 8.0], np.float32))
    total = blended([a, b], [1.0, 0.5], 4)
    assert total.items.tolist() == [0, 2, 3]
    np.testing.assert_allclose(total.scores, [1.0, 2.0 + 0.5 * 4.0, 0.5 * 8.0])


def test_kept_drops_blocked_items() -> None:
    items = np.array([1, 4, 6, 9], np.int32)
    assert kept(items, np.array([6, 2, 1], np.int64)).tolist() == [False, True, False, True]
    assert kept(items, np.zeros(0, np.int64)).all()


def test_first_row_with_finds_the_first_row_holding_each_column() -> None:
    found = first_row_with(csr_arrays(MATRIX.copy()), np.array([2, 0, 3], np.int32), np.arange(4))
    # Row 2 is empty; row 0 holds columns 1 and 3; row 3 holds 0, 1 and 2.
    assert found.tolist() == [2, 1, 2, 1]


def test_row_values_reads_stored_entries_and_zero_elsewhere() -> None:
    unsorted = sp.csr_matrix(
        (np.array([4.0, 1.0, 1.0]), np.array([2, 0, 1]), np.array([0, 3])), shape=(1, 4)
    )
    np.testing.assert_allclose(row_values(unsorted, 0, [1, 3, 2, 0]), [1.0, 0.0, 4.0, 1.0])
    np.testing.assert_allclose(row_values(MATRIX, 2, [0, 1]), [0.0, 0.0])


def test_looked_up_matches_keys() -> None:
    np.testing.assert_allclose(looked_up([2, 5, 9], [1.0, 2.0, 3.0], [9, 4, 2, 10]), [3, 0, 1, 0])
    np.testing.assert_allclose(looked_up([], [], [1, 2]), [0, 0])


def test_best_in_row_orders_as_top_k_with_ties_by_item() -> None:
    items = np.array([1, 3, 4, 7, 8, 10], dtype=np.int32)
    scores = np.array([0.1, 0.5, 0.5, 0.9, 0.9, 0.5], dtype=np.float32)
    best = best_in_row(Row(items, scores), np.zeros(0, np.int64), 4)
    assert best.items.tolist() == [7, 8, 3, 4]
    np.testing.assert_allclose(best.scores, [0.9, 0.9, 0.5, 0.5])
    row = sp.csr_matrix((scores, (np.zeros(6, dtype=int), items)), shape=(1, 11))
    assert top_k(row, 4)[0][0].tolist() == best.items.tolist()
    everything = best_in_row(Row(items, scores), np.zeros(0, np.int64), 10)
    assert everything.items.tolist() == [7, 8, 3, 4, 10, 1]


def test_best_in_row_leaves_out_blocked_items_and_scores_of_zero() -> None:
    items = np.array([1, 3, 4, 7], dtype=np.int32)
    scores = np.array([0.2, 0.0, 0.5, 0.9], dtype=np.float32)
    best = best_in_row(Row(items, scores), np.array([7, 99], np.int64), 10)
    assert best.items.tolist() == [4, 1]


def test_scaled_to_max_leaves_an_empty_row_alone() -> None:
    items = np.array([0, 5], np.int32)
    np.testing.assert_allclose(
        scaled_to_max(Row(items, np.array([1, 4], np.float32))).scores, [0.25, 1]
    )
    np.testing.assert_allclose(scaled_to_max(Row(items, np.zeros(2, np.float32))).scores, [0, 0])
