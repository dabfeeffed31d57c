"""The current sessions as a weighted sparse matrix: recent clicks count more."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from engine.compiled import compiled
from engine.sessions import Sessions


def recency_weights(contexts: Sessions, decay: float | None) -> np.ndarray:
    """Weight (n_events,) of each click: exp(-(clicks after it) / decay), or 1 if decay is None.

    With decay = L the weights fall like STAN's w1; the last click always weighs 1.
    """
    after = np.repeat(contexts.offsets[1:], contexts.lengths) - 1 - np.arange(len(contexts.items))
    return _decayed(after.astype(np.int64), decay_of(decay))


@compiled
def _decayed(clicks_after: npt.NDArray[np.int64], decay: float) -> npt.NDArray[np.float32]:
    return np.exp(-clicks_after / decay).astype(np.float32)


def decay_of(decay: float | None) -> float:
    """The decay compiled code takes: no decay is an infinitely slow one (every weight
    is exp(-0) = 1)."""
    return np.inf if decay is None else float(decay)


def context_matrix(contexts: Sessions, n_items: int, decay: float | None) -> sp.csr_matrix:
    """csr_matrix (n_contexts, n_items): the weight of each item's most recent click.

    Ids outside the catalogue (negative) and weights that underflow to 0 are left out.
    """
    weights = recency_weights(contexts, decay)
    rows = contexts.session_ids()
    known = (contexts.items >= 0) & (weights > 0)
    key = rows[known] * n_items + contexts.items[known]
    # Each (row, item) keeps its latest click, the heaviest: max() over repeats, not sum().
    order = np.lexsort((-weights[known], key))
    first = np.ones(len(order), dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    chosen = order[first]
    indptr = np.zeros(len(contexts) + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[known][chosen], minlength=len(contexts)), out=indptr[1:])
    return sp.csr_matrix(
        (weights[known][chosen], contexts.items[known][chosen], indptr),
        shape=(len(contexts), n_items),
    )


def context_weights(
    context: npt.NDArray[np.int32], decay: float | None
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
    """One context's row of `context_matrix`: its distinct known items (sorted) and the
    weight of each one's most recent click."""
    # recency_weights of a one-session batch, without building the batch (serving path)
    return recent_items(np.asarray(context, dtype=np.int32), decay_of(decay))


@compiled
def recent_items(
    context: npt.NDArray[np.int32], decay: float
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
    """`context_weights` in compiled code, with `decay_of(decay)`."""
    items = np.empty(len(context), dtype=np.int32)
    weights = np.empty(len(context), dtype=np.float32)
    recency = _decayed(np.arange(len(context)), decay)
    n = 0
    for after in range(len(context)):
        item = context[len(context) - 1 - after]
        if item < 0 or recency[after] == 0 or (items[:n] == item).any():
            continue  # unknown, faded out, or clicked again later
        items[n], weights[n] = item, recency[after]
        n += 1
    order = np.argsort(items[:n])
    return items[:n][order], weights[:n][order]
