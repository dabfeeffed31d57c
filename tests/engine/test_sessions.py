from __future__ import annotations

import numpy as np

from engine.sessions import UNKNOWN, ItemIds, NextItemCases, Sessions

SESSIONS = Sessions.from_lists([[0, 1, 2], [3], [2, 2]])


def test_sessions_cut_flat_items_by_offsets() -> None:
    assert [SESSIONS[s].tolist() for s in range(len(SESSIONS))] == [[0, 1, 2], [3], [2, 2]]
    assert SESSIONS.positions().tolist() == [0, 1, 2, 0, 0, 1]


def test_select_and_drop_keep_click_order() -> None:
    assert SESSIONS.select([2, 0]).items.tolist() == [2, 2, 0, 1, 2]
    dropped = SESSIONS.drop(SESSIONS.items == 2)
    assert dropped.lengths.tolist() == [2, 1, 0]


def test_csr_counts_views_per_session() -> None:
    assert SESSIONS.to_csr(4).toarray().tolist() == [[1, 1, 1, 0], [0, 0, 0, 1], [0, 0, 2, 0]]


def test_every_proper_prefix_is_a_case() -> None:
    cases = NextItemCases.from_sessions(SESSIONS)
    assert cases.targets.tolist() == [1, 2, 2]
    assert [cases.prefixes[c].tolist() for c in range(len(cases))] == [[0], [0, 1], [2]]


def test_unknown_ids_map_to_unknown() -> None:
    item_ids, items = ItemIds.learn(np.array(["b", "a", "b"]))
    assert items.tolist() == [1, 0, 1]
    assert item_ids.index(np.array(["a", "z"])).tolist() == [0, UNKNOWN]
    assert item_ids.external([1]) == ["b"]
