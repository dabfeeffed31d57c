from __future__ import annotations

import random
from collections import Counter

from tests.widget.demo.samples import packaged
from widget.demo.visits import (
    co_purchase_neighbours,
    final_lines,
    plan_visit,
    plan_visits,
    recommended_add,
)


def test_plans_are_the_same_for_a_seed_and_differ_for_another() -> None:
    orders = packaged().orders
    assert plan_visits(orders, 0.5, seed=7) == plan_visits(orders, 0.5, seed=7)
    assert plan_visits(orders, 0.5, seed=7) != plan_visits(orders, 0.5, seed=8)


def test_a_plan_does_not_depend_on_the_other_orders() -> None:
    orders = packaged().orders
    assert plan_visits(orders, 0.5, seed=1)[-1].adds_recommendation == next(
        plan.adds_recommendation for plan in plan_visits(orders[-1:], 0.5, seed=1)
    )


def test_every_product_of_the_order_is_viewed_then_added_in_its_quantity() -> None:
    for plan in plan_visits(packaged().orders, 0.5, seed=3):
        bought: Counter[str] = Counter()
        for line in plan.order.lines:
            bought[line.product_id] += line.quantity
        steps = plan.steps
        added = {s.product_id: s.quantity for s in steps if s.type == "Product Added"}
        assert added == bought
        for before, step in zip(steps, steps[1:], strict=False):
            if step.type == "Product Added":
                assert (before.type, before.product_id) == ("Product Viewed", step.product_id)


def test_detours_are_co_purchased_products_the_order_does_not_hold() -> None:
    orders = packaged().orders
    neighbours = co_purchase_neighbours(orders)
    detours = products = 0
    for plan in plan_visits(orders, 0.5, seed=5):
        bought = set(plan.order.product_ids())
        products += len(bought)
        for step, following in zip(plan.steps, plan.steps[1:], strict=False):
            if step.product_id not in bought:
                detours += 1
                assert following.product_id in bought
                assert step.product_id in neighbours[following.product_id]
    assert 0.3 < detours / products < 0.55


def test_neighbours_are_the_products_most_often_in_the_same_orders() -> None:
    orders = packaged().orders[:150]
    together: Counter[tuple[str, str]] = Counter()
    for order in orders:
        for a in order.product_ids():
            for b in order.product_ids():
                if a != b:
                    together[a, b] += 1
    for product, found in co_purchase_neighbours(orders, count=3).items():
        expected = sorted(
            (other for (one, other) in together if one == product),
            key=lambda other: (-together[product, other], other),
        )[:3]
        assert list(found) == expected


def test_holdout_visitors_never_add_a_recommended_item() -> None:
    data = packaged()
    offered = list(data.products)[:8]
    for plan in plan_visits(data.orders, 1.0, seed=2):
        assert plan.adds_recommendation
        assert recommended_add(plan, "holdout", offered) is None
        assert final_lines(plan, None, data.products) == plan.order.lines


def test_treatment_visitors_add_a_recommended_item_not_in_their_order() -> None:
    data = packaged()
    offered = list(data.products)[:8]
    for plan in plan_visits(data.orders, 1.0, seed=2):
        added = recommended_add(plan, "treatment", offered)
        assert added in offered and added not in plan.order.product_ids()
        line = final_lines(plan, added, data.products)[-1]
        product = data.products[str(added)]
        assert (line.product_id, line.quantity, line.unit_price) == (
            added,
            product.usual_quantity,
            product.price,
        )


def test_the_add_probability_is_the_share_of_visits_that_add() -> None:
    data = packaged()
    neighbours = co_purchase_neighbours(data.orders)
    rng = random.Random(0)
    plans = [plan_visit(order, neighbours, 0.25, rng) for order in data.orders]
    share = sum(plan.adds_recommendation for plan in plans) / len(plans)
    assert 0.18 < share < 0.32
    assert not any(plan.adds_recommendation for plan in plan_visits(data.orders, 0.0, seed=0))
