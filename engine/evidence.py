"""Reasons from an item x item evidence matrix: the context item that argues most for each."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from engine.rows import row_values


def strongest_reasons(
    evidence: sp.csr_matrix,
    reason: str,
    context: npt.NDArray[np.int32],
    items: npt.NDArray[np.int32],
) -> list[tuple[str, int | None]]:
    """Per item (n,), `reason` and the context item with the largest `evidence`
    (n_items, n_items) entry towards it, or "popular" when no context item has any."""
    known = np.unique(context[context >= 0])
    if len(known) == 0 or len(items) == 0:
        return [("popular", None)] * len(items)
    found = np.vstack([row_values(evidence, int(k), items) for k in known])
    strongest = known[found.argmax(axis=0)]
    return [
        (reason, int(b)) if e > 0 else ("popular", None)
        for b, e in zip(strongest, found.max(axis=0), strict=True)
    ]
