"""keep_strongest: the largest entries of each row, ties by column, the rest dropped."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from engine.rules import keep_strongest


def test_each_row_keeps_its_largest_entries_ties_by_column() -> None:
    matrix = sp.csr_matrix(np.array([[1.0, 3.0, 3.0, 3.0], [0.0, 5.0, 0.0, 0.0], [4, 0, 1, 4]]))
    kept = keep_strongest(matrix, 2).toarray()
    assert kept.tolist() == [[0, 3, 3, 0], [0, 5, 0, 0], [4, 0, 0, 4]]
    assert keep_strongest(matrix, 2).dtype == np.float32


def test_zero_keeps_everything() -> None:
    matrix = sp.csr_matrix(np.eye(3))
    assert keep_strongest(matrix, 0) is matrix
