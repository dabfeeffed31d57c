"""Reading many single entries of a sparse matrix at once."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp


def values_at(
    matrix: sp.csr_matrix, rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int32]
) -> npt.NDArray[np.float32]:
    """The entries (n,) of `matrix` at (rows[i], cols[i]); 0 where nothing is stored."""
    matrix = sp.csr_matrix(matrix)
    matrix.sum_duplicates()  # also sorts the indices of each row
    n_cols = matrix.shape[1]
    keys = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))
    keys = keys * n_cols + matrix.indices
    wanted = rows.astype(np.int64) * n_cols + cols
    if len(keys) == 0:
        return np.zeros(len(wanted), dtype=np.float32)
    at = np.searchsorted(keys, wanted).clip(0, len(keys) - 1)
    return np.where(keys[at] == wanted, matrix.data[at], 0).astype(np.float32)
