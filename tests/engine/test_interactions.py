"""From tracker events to matrices, sessions and baskets, on the real OTTO sessions."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from engine.interactions import EventTable, EventWeights, Interactions
from tests.engine.samples import otto_events
from tracker.schema import Event, parse_timestamp


def as_event(raw: dict[str, Any], bot: bool = False) -> Event:
    stamp = parse_timestamp(raw["timestamp"], "timestamp")
    return Event(
        raw["event_id"], raw["type"], "otto", raw["anonymous_id"], raw["session_id"],
        stamp, stamp, raw["properties"], {}, bot,
    )  # fmt: skip


@pytest.fixture(scope="module")
def events() -> list[Event]:
    return [as_event(raw) for raw in otto_events()]


def test_one_row_per_product_and_an_order_gives_a_row_per_product(events: list[Event]) -> None:
    table = EventTable.from_events(events)
    ordered = sum(len(e.properties["products"]) for e in events if e.type == "Order Completed")
    assert len(table) == len(events) - sum(e.type == "Order Completed" for e in events) + ordered


def test_bot_events_are_left_out(events: list[Event]) -> None:
    flagged = [replace(e, bot=True) if e.anonymous_id == "otto-0" else e for e in events]
    data = Interactions.build(EventTable.from_events(flagged))
    assert "otto-0" not in data.visitor_ids.ids and len(data.visitor_ids) == 19


def test_confidences_weigh_views_adds_and_purchases(events: list[Event]) -> None:
    weights = EventWeights(view=1, cart=3, purchase=7)
    table = EventTable.from_events(events)
    data = Interactions.build(table, weights)
    assert data.confidences.shape == (20, len(np.unique(table.products)))
    expected = np.array([1.0, 3.0, 7.0])[table.kinds].sum()
    assert data.confidences.sum() == pytest.approx(expected)


def test_time_decay_halves_an_event_one_half_life_old() -> None:
    view = otto_events()[0]
    old = {**view, "event_id": view["event_id"][:-1] + "0", "timestamp": "2022-07-30T22:00:00Z"}
    table = EventTable.from_events([as_event(view), as_event(old)])
    data = Interactions.build(table, EventWeights(half_life_days=1.0))
    assert data.confidences.sum() == pytest.approx(1.0 + 0.5, rel=1e-3)


def test_sessions_follow_click_order_and_baskets_hold_distinct_orders(
    events: list[Event],
) -> None:
    data = Interactions.build(EventTable.from_events(events))
    first = data.item_ids.external(data.sessions[0])
    browsed = [e for e in events if e.anonymous_id == "otto-0" and e.type != "Order Completed"]
    assert first == [e.properties["product_id"] for e in browsed]
    orders = [e for e in events if e.type == "Order Completed"]
    assert len(data.baskets) == len({e.properties["order_id"] for e in orders})
    assert all(
        len(set(b)) == len(b) for b in (data.baskets[s].tolist() for s in range(len(data.baskets)))
    )


def test_weights_must_grow_from_view_to_purchase() -> None:
    with pytest.raises(ValueError, match="view <= cart <= purchase"):
        EventWeights(view=5, cart=1)
