from __future__ import annotations

import numpy as np
import pytest

from engine.metrics import coverage, head_items, hit_rate, mrr, popularity, tail_share

RANKED = np.array([[3, 1, 2], [0, 1, -1], [2, 3, 0]], dtype=np.int32)
TARGETS = np.array([1, 4, 2], dtype=np.int32)
COUNTS = np.array([10, 5, 1, 0, 4], dtype=np.float32)


def test_hit_rate_counts_targets_in_the_list() -> None:
    assert hit_rate(RANKED, TARGETS) == pytest.approx(2 / 3)


def test_mrr_averages_reciprocal_ranks_with_zero_for_misses() -> None:
    assert mrr(RANKED, TARGETS) == pytest.approx((1 / 2 + 0 + 1) / 3)


def test_empty_places_never_hit() -> None:
    assert hit_rate(np.array([[-1]], dtype=np.int32), np.array([-1], dtype=np.int32)) == 0.0


def test_coverage_is_distinct_items_shown_over_catalogue() -> None:
    assert coverage(RANKED, n_items=5) == pytest.approx(4 / 5)


def test_popularity_averages_relative_counts_per_list() -> None:
    # Lists: (0 + .5 + .1)/3, (1 + .5)/2, (.1 + 0 + 1)/3 relative to the top count 10.
    expected = (0.6 / 3 + 1.5 / 2 + 1.1 / 3) / 3
    assert popularity(RANKED, COUNTS) == pytest.approx(expected)


def test_popularity_counts_a_repeated_item_once() -> None:
    assert popularity(np.array([[0, 0, 2]], dtype=np.int32), COUNTS) == pytest.approx(1.1 / 2)


def test_head_is_the_most_popular_fifth() -> None:
    assert head_items(COUNTS).tolist() == [True, False, False, False, False]


def test_tail_share_is_the_share_of_places_outside_the_head() -> None:
    # 8 filled places, item 0 (the head) fills 2 of them.
    assert tail_share(RANKED, COUNTS) == pytest.approx(6 / 8)
