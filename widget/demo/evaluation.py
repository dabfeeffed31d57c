"""Offline metrics on the demo's own orders: the basket model that the shop's training fits
(bought together), and popularity as the baseline, trained on the orders replayed before
training and tested on the orders replayed after it (one hidden item per basket)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine import basket_evaluation
from engine.basket import BoughtTogether
from engine.basket_evaluation import BasketEvaluation
from engine.orders import OrderLines
from engine.popularity import Popularity
from widget.demo.retail import RetailOrder


def order_lines(orders: Sequence[RetailOrder]) -> OrderLines:
    lines = [(order, line) for order in orders for line in order.lines]
    return OrderLines(
        np.array([order.invoice for order, _ in lines], dtype=np.str_),
        np.array([line.product_id for _, line in lines], dtype=np.str_),
        np.array([line.quantity for _, line in lines], dtype=np.float64),
        np.array([float(line.unit_price) for _, line in lines], dtype=np.float64),
        np.array([order.placed for order, _ in lines], dtype="datetime64[s]"),
    )


def evaluate_orders(
    before: Sequence[RetailOrder], after: Sequence[RetailOrder]
) -> list[BasketEvaluation]:
    """Bought together and popularity, trained on `before`, tested on `after` (both oldest
    first, `after` later than `before`)."""
    cut = np.datetime64(before[-1].placed, "s")
    lines = order_lines([*before, *after])
    # `split` holds out the last days; these days are exactly those after the cut.
    test_days = float((lines.times.max() - cut) / np.timedelta64(1, "D"))
    data = basket_evaluation.split(lines, test_days)
    return [
        basket_evaluation.evaluate_baskets(model, data)
        for model in (BoughtTogether(), Popularity())
    ]
