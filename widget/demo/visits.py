"""Shopper visits simulated around real orders: pure functions of the orders and a seed.

A visit browses the products of one real order, in the order's line order, each viewed and
added to the basket in the quantity bought; before each of them, with probability
`DETOUR_PROBABILITY`, the visitor first views one of its co-purchase neighbours that the
order does not hold (a product looked at but not bought). The visit ends in the order.
Whether a treatment visitor also adds a recommended item is drawn here with
`add_probability`; the arm itself is the server's, so `recommended_add` decides with it.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp

from widget.demo.retail import RetailLine, RetailOrder, RetailProduct

NEIGHBOURS = 5
DETOUR_PROBABILITY = 0.5
StepType = Literal["Product Viewed", "Product Added"]


@dataclass(frozen=True)
class Step:
    type: StepType
    product_id: str
    quantity: int = 1


@dataclass(frozen=True)
class VisitPlan:
    """What one visitor does, decided before the visit; `pick` in [0, 1) chooses among the
    recommended items, if `adds_recommendation` and the visitor is in the treatment arm."""

    order: RetailOrder
    anonymous_id: str
    session_id: str
    steps: tuple[Step, ...]
    adds_recommendation: bool
    pick: float


def co_purchase_neighbours(
    orders: Sequence[RetailOrder], count: int = NEIGHBOURS
) -> dict[str, tuple[str, ...]]:
    """Each product's `count` products most often in the same orders, most first (ties by id)."""
    ids = sorted({product for order in orders for product in order.product_ids()})
    index = {product: i for i, product in enumerate(ids)}
    rows = [i for i, order in enumerate(orders) for _ in order.product_ids()]
    columns = [index[product] for order in orders for product in order.product_ids()]
    baskets = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, columns)), shape=(len(orders), len(ids))
    )
    together = (baskets.T @ baskets).tocsr()
    together.setdiag(0)
    together.eliminate_zeros()
    found = {}
    for i, product in enumerate(ids):
        start, end = together.indptr[i], together.indptr[i + 1]
        # lexsort sorts by the last key first: counts descending, then column (id order)
        ranked = np.lexsort((together.indices[start:end], -together.data[start:end]))[:count]
        found[product] = tuple(ids[together.indices[start + j]] for j in ranked)
    return found


def visitor_of(order: RetailOrder) -> str:
    """A returning customer is one visitor across orders; an order without one is a guest."""
    return f"customer-{order.customer}" if order.customer else f"guest-{order.invoice}"


def plan_visit(
    order: RetailOrder,
    neighbours: Mapping[str, Sequence[str]],
    add_probability: float,
    rng: random.Random,
) -> VisitPlan:
    bought = order.product_ids()
    quantities: dict[str, int] = {}
    for line in order.lines:
        quantities[line.product_id] = quantities.get(line.product_id, 0) + line.quantity
    steps: list[Step] = []
    for product in bought:
        detours = [other for other in neighbours.get(product, ()) if other not in quantities]
        if detours and rng.random() < DETOUR_PROBABILITY:
            steps.append(Step("Product Viewed", rng.choice(detours)))
        steps.append(Step("Product Viewed", product))
        steps.append(Step("Product Added", product, quantities[product]))
    return VisitPlan(
        order=order,
        anonymous_id=visitor_of(order),
        session_id=f"{order.invoice}-{rng.getrandbits(32):08x}",
        steps=tuple(steps),
        adds_recommendation=rng.random() < add_probability,
        pick=rng.random(),
    )


def plan_visits(
    orders: Sequence[RetailOrder], add_probability: float, seed: int
) -> list[VisitPlan]:
    """One visit per order; each has its own generator, so a plan never depends on others."""
    neighbours = co_purchase_neighbours(orders)
    return [
        plan_visit(order, neighbours, add_probability, random.Random(f"{seed}:{order.invoice}"))
        for order in orders
    ]


def recommended_add(plan: VisitPlan, arm: str, recommended: Sequence[str]) -> str | None:
    """The recommended product the visitor adds: only in the treatment arm, never one the
    order holds already."""
    if arm != "treatment" or not plan.adds_recommendation:
        return None
    bought = set(plan.order.product_ids())
    candidates = [product for product in recommended if product not in bought]
    if not candidates:
        return None
    return candidates[int(plan.pick * len(candidates))]


def final_lines(
    plan: VisitPlan, added: str | None, products: Mapping[str, RetailProduct]
) -> tuple[RetailLine, ...]:
    """The order's lines, plus the added product in its usual quantity at its list price."""
    if added is None:
        return plan.order.lines
    product = products[added]
    return (*plan.order.lines, RetailLine(added, product.usual_quantity, product.price))
