"""A model is asked for a few candidates first, and for many only when the rules need them."""

from __future__ import annotations

from itertools import islice

from widget.recommendations.rules import Candidate
from widget.recommendations.service import CANDIDATES, _widening

# Real product ids of the Online Retail catalogue.
PRODUCTS = ["85123A", "71053", "84406B", "84029G", "84029E", "22752", "21730", "22633"]


class Model:
    def __init__(self, known: int) -> None:
        self.known = known
        self.asked: list[int] = []

    def __call__(self, n: int) -> list[Candidate]:
        self.asked.append(n)
        return [
            Candidate(p, 1.0 / (i + 1), "test")
            for i, p in enumerate(PRODUCTS[: min(n, self.known)])
        ]


def test_a_list_filled_from_the_first_candidates_asks_once() -> None:
    model = Model(known=8)
    taken = list(islice(_widening(model, 3), 3))
    assert [c.product_id for c in taken] == PRODUCTS[:3]
    assert model.asked == [3]


def test_using_up_the_first_candidates_asks_for_all() -> None:
    model = Model(known=8)
    taken = [c.product_id for c in _widening(model, 3)]
    assert model.asked == [3, CANDIDATES]
    assert taken[3:] == PRODUCTS  # the rules skip the repeats


def test_a_model_with_fewer_items_than_asked_is_not_asked_again() -> None:
    model = Model(known=2)
    assert [c.product_id for c in _widening(model, 3)] == PRODUCTS[:2]
    assert model.asked == [3]
