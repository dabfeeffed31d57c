from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from engine.topk import NO_ITEM, top_k, without

SCORES = sp.csr_matrix(np.array([[0.0, 3.0, 1.0, 3.0], [0.0, 0.0, 0.0, 0.0], [2.0, 0, 0, 0]]))


def test_top_k_ranks_by_score_then_item() -> None:
    items, scores = top_k(SCORES, 2)
    assert items.tolist() == [[1, 3], [NO_ITEM, NO_ITEM], [0, NO_ITEM]]
    assert scores.tolist() == [[3.0, 3.0], [0.0, 0.0], [2.0, 0.0]]


def test_without_removes_excluded_entries() -> None:
    exclude = sp.csr_matrix(np.array([[0, 1, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0]]))
    items, _ = top_k(without(SCORES, exclude), 2)
    assert items.tolist() == [[3, 2], [NO_ITEM, NO_ITEM], [NO_ITEM, NO_ITEM]]
