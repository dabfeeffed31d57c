"""Accuracy and beyond-accuracy metrics of ranked lists, as the session-rec framework
defines them (Ludewig & Jannach 2018), plus the long-tail share.

Every function takes `ranked` (n_cases, n) int32 item indices, best first, -1 = empty
place; the cut-off is `n`, the width of `ranked`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from engine.topk import NO_ITEM

Ranked = npt.NDArray[np.int32]


def _hit_ranks(ranked: Ranked, targets: npt.NDArray[np.int32]) -> npt.NDArray[np.int64]:
    """The 1-based rank of each case's target in its list, 0 when it is not there."""
    hits = (ranked == targets[:, None]) & (ranked != NO_ITEM)
    return np.where(hits.any(axis=1), hits.argmax(axis=1) + 1, 0)


def hit_rate(ranked: Ranked, targets: npt.NDArray[np.int32]) -> float:
    """HR@n: the share of cases whose target (n_cases,) is in the list."""
    return float((_hit_ranks(ranked, targets) > 0).mean()) if len(targets) else 0.0


def mrr(ranked: Ranked, targets: npt.NDArray[np.int32]) -> float:
    """MRR@n: the mean of 1 / rank of the target, 0 when it is not in the list."""
    ranks = _hit_ranks(ranked, targets)
    return float(np.where(ranks > 0, 1.0 / np.maximum(ranks, 1), 0.0).mean()) if len(ranks) else 0.0


def coverage(ranked: Ranked, n_items: int) -> float:
    """Coverage@n: distinct items recommended in any list / items of the training data."""
    shown = np.unique(ranked[ranked != NO_ITEM])
    return len(shown) / n_items if n_items else 0.0


def popularity(ranked: Ranked, counts: npt.NDArray[np.float32]) -> float:
    """Popularity@n: mean over lists of the mean of count / max count over its distinct items.

    `counts` (n_items,) are the training occurrences of each item.
    """
    if len(ranked) == 0 or counts.max(initial=0) == 0:
        return 0.0
    relative = np.append(counts / counts.max(), 0.0)
    valid = _first_occurrences(ranked)
    values = np.where(valid, relative[ranked], 0.0)
    per_list = values.sum(axis=1) / np.maximum(valid.sum(axis=1), 1)
    return float(per_list.mean())


def head_items(counts: npt.NDArray[np.float32], share: float = 0.2) -> npt.NDArray[np.bool_]:
    """Mask (n_items,) of the `share` most popular items (ties broken by item index)."""
    n_head = int(round(share * len(counts)))
    order = np.lexsort((np.arange(len(counts)), -counts))
    head = np.zeros(len(counts), dtype=bool)
    head[order[:n_head]] = True
    return head


def tail_share(ranked: Ranked, counts: npt.NDArray[np.float32], share: float = 0.2) -> float:
    """Tail share@n: the share of recommended places holding an item outside the head.

    The head is the `share` (20%) most popular training items by `counts` (n_items,).
    """
    shown = ranked[ranked != NO_ITEM]
    if len(shown) == 0:
        return 0.0
    return float((~head_items(counts, share)[shown]).mean())


def _first_occurrences(ranked: Ranked) -> npt.NDArray[np.bool_]:
    """Mask of places holding an item that is not empty and not repeated earlier in its list."""
    order = np.argsort(ranked, axis=1, kind="stable")
    ordered = np.take_along_axis(ranked, order, axis=1)
    first = np.ones_like(ordered, dtype=bool)
    first[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    mask = np.empty_like(first)
    np.put_along_axis(mask, order, first, axis=1)
    filled: npt.NDArray[np.bool_] = mask & (ranked != NO_ITEM)
    return filled
