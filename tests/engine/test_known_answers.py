"""Tiny catalogues where the right answer is obvious."""

from __future__ import annotations

from dataclasses import replace

import pytest

from engine.models import MODELS
from engine.neighbourhood import VSTAN, SessionNeighbourhood
from engine.sessions import Sessions

# A checkerboard: item i is always viewed with (and then followed by) item i + 5, except
# in the withheld diagonal, so after viewing i the first recommendation must be i + 5.
PAIRS = Sessions.from_lists([[i, i + 5] for i in range(5) for _ in range(3)] + [[9, 0]])
LEARNING = ["basketlift", "sr", "ar", "sknn", "vsknn", "stan", "vstan", "item_cosine"]


@pytest.mark.parametrize("name", LEARNING)
def test_the_partner_item_comes_first(name: str) -> None:
    model = MODELS[name]().fit(PAIRS, 10)
    for i in range(5):
        assert model.recommend([i], n=3, exclude=[i])[0].item == i + 5


def test_popularity_ranks_by_views() -> None:
    sessions = Sessions.from_lists([[2, 2, 1], [2, 0, 1]])
    assert [r.item for r in MODELS["pop"]().fit(sessions, 3).recommend([], n=3)] == [2, 1, 0]


def test_session_popularity_recommends_the_most_viewed_session_item() -> None:
    model = MODELS["spop"]().fit(Sessions.from_lists([[0, 1, 2]]), 4)
    assert [r.item for r in model.recommend([3, 1, 3], n=2)] == [3, 1]


def test_the_served_model_explains_with_the_viewed_item() -> None:
    recommendation = MODELS["basketlift"]().fit(PAIRS, 10).recommend([2], n=1, exclude=[2])[0]
    assert (recommendation.reason, recommendation.because) == ("viewed with", 2)


def test_position_weighted_neighbours_find_the_partner() -> None:
    settings = replace(VSTAN, neighbour_decay=2.0, before_anchor=0.5)
    model = SessionNeighbourhood(settings).fit(PAIRS, 10)
    assert [model.recommend([i], n=1, exclude=[i])[0].item for i in range(5)] == [5, 6, 7, 8, 9]
