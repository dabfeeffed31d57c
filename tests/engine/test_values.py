from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from engine.values import values_at

MATRIX = sp.csr_matrix(np.array([[0.0, 2.0, 0.0], [1.0, 0.0, 3.0]], dtype=np.float32))


def test_stored_entries_are_read_and_absent_ones_are_zero() -> None:
    rows = np.array([0, 1, 1, 0], dtype=np.int64)
    cols = np.array([1, 2, 1, 0], dtype=np.int32)
    assert values_at(MATRIX, rows, cols).tolist() == [2.0, 3.0, 0.0, 0.0]


def test_an_empty_matrix_reads_zeros() -> None:
    empty = sp.csr_matrix((2, 3), dtype=np.float32)
    assert values_at(empty, np.array([1], dtype=np.int64), np.array([2], dtype=np.int32)) == 0
