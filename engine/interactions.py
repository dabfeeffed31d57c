"""From tracker events to the engine's data: confidences, sessions and baskets.

`EventTable.from_events` flattens events into columns once (one row per product: an
order gives a row per product bought); everything after that works on whole arrays.
Bot-flagged events and events that name no product are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from engine.sessions import ItemIds, Sessions
from tracker.schema import Event

VIEW, CART, PURCHASE = 0, 1, 2
KIND_OF_EVENT: dict[str, int] = {
    "Product Viewed": VIEW,
    "Product Clicked": VIEW,
    "Recommendation Clicked": VIEW,
    "Product Added": CART,
    "Order Completed": PURCHASE,
}
StrArray = npt.NDArray[np.str_]


@dataclass(frozen=True)
class EventWeights:
    """Confidence of one event by kind (view < add to cart < purchase), and the optional
    half-life in days after which an event counts half (None: no time decay)."""

    view: float = 1.0
    cart: float = 4.0
    purchase: float = 10.0
    half_life_days: float | None = None

    def __post_init__(self) -> None:
        if not 0 < self.view <= self.cart <= self.purchase:
            raise ValueError("event weights must satisfy 0 < view <= cart <= purchase")
        if self.half_life_days is not None and self.half_life_days <= 0:
            raise ValueError("half_life_days must be > 0 (or None for no decay)")


@dataclass(frozen=True)
class EventTable:
    """Product interactions as columns (n_rows,): visitor (anonymous id), session key,
    product, kind (VIEW, CART, PURCHASE), time (unix seconds) and order id ("" if none)."""

    visitors: StrArray
    sessions: StrArray
    products: StrArray
    kinds: npt.NDArray[np.int8]
    times: npt.NDArray[np.float64]
    orders: StrArray

    @classmethod
    def from_events(cls, events: Iterable[Event]) -> EventTable:
        # Events arrive as objects: one pass to flatten them is unavoidable.
        rows = [
            (e.anonymous_id, e.session_id, product, kind, e.timestamp, order)
            for e in events
            if not e.bot and (kind := KIND_OF_EVENT.get(e.type)) is not None
            for product, order in _products(e)
        ]
        if not rows:
            empty = np.zeros(0, dtype=np.str_)
            return cls(empty, empty, empty, np.zeros(0, np.int8), np.zeros(0), empty)
        visitor, session, product, kinds, stamp, order = zip(*rows, strict=True)
        visitors = np.array(visitor, dtype=np.str_)
        # Session ids are the browser's: unique per visitor, not across visitors.
        sessions = np.char.add(np.char.add(visitors, "\x1f"), np.array(session, dtype=np.str_))
        moments = np.char.rstrip(np.array(stamp, dtype=np.str_), "Z").astype("datetime64[ms]")
        return cls(
            visitors,
            sessions,
            np.array(product, dtype=np.str_),
            np.array(kinds, dtype=np.int8),
            moments.astype(np.int64) / 1000.0,
            np.array(order, dtype=np.str_),
        )

    def __len__(self) -> int:
        return len(self.products)


def _products(event: Event) -> list[tuple[str, str]]:
    properties: dict[str, Any] = event.properties
    if event.type == "Order Completed":
        order = str(properties.get("order_id", event.event_id))
        return [(str(p["product_id"]), order) for p in properties.get("products", ())]
    product = properties.get("product_id")
    return [] if product is None else [(str(product), "")]


@dataclass(frozen=True)
class Interactions:
    """A shop's events as the models learn them.

    item_ids, visitor_ids: external ids <-> indices; confidences: csr_matrix
    (n_visitors, n_items) of summed event weights; sessions: views and adds to cart in
    time order, one session per browser session, sessions by first event; baskets: the
    distinct items of each order, oldest first.
    """

    item_ids: ItemIds
    visitor_ids: ItemIds
    confidences: sp.csr_matrix
    sessions: Sessions
    baskets: Sessions

    @classmethod
    def build(
        cls, table: EventTable, weights: EventWeights = EventWeights(), now: float | None = None
    ) -> Interactions:
        """Interactions of `table`; time decay (if any) counts from `now` (unix seconds,
        default: the last event)."""
        item_ids, items = ItemIds.learn(table.products)
        visitor_ids, visitors = ItemIds.learn(table.visitors)
        confidences = sp.csr_matrix(
            (_weights(table, weights, now), (visitors, items)),
            shape=(len(visitor_ids), len(item_ids)),
            dtype=np.float32,
        )
        confidences.sum_duplicates()
        browsing = table.kinds != PURCHASE
        sessions = _grouped(table.sessions[browsing], table.times[browsing], items[browsing])
        bought = table.kinds == PURCHASE
        order_keys = np.char.add(np.char.add(table.visitors[bought], "\x1f"), table.orders[bought])
        baskets = _grouped(order_keys, table.times[bought], items[bought], distinct=True)
        return cls(item_ids, visitor_ids, confidences, sessions, baskets)


def _weights(
    table: EventTable, weights: EventWeights, now: float | None
) -> npt.NDArray[np.float32]:
    per_kind = np.array([weights.view, weights.cart, weights.purchase], dtype=np.float64)
    value = per_kind[table.kinds]
    if weights.half_life_days is not None and len(table):
        age_days = ((table.times.max() if now is None else now) - table.times) / 86_400.0
        value *= 0.5 ** (np.maximum(age_days, 0.0) / weights.half_life_days)
    return value.astype(np.float32)


def _grouped(
    keys: StrArray,
    times: npt.NDArray[np.float64],
    items: npt.NDArray[np.int32],
    distinct: bool = False,
) -> Sessions:
    """Rows grouped by key into sessions: rows by time within a group, groups by their
    first time; with `distinct`, an item only at its first row of the group."""
    if len(keys) == 0:
        return Sessions.from_lengths(np.zeros(0, np.int32), np.zeros(0, np.int64))
    _, group = np.unique(keys, return_inverse=True)
    group = group.ravel()
    first = np.full(group.max() + 1, np.inf)
    np.minimum.at(first, group, times)
    order = np.lexsort((np.arange(len(keys)), times, group, first[group]))
    if distinct:
        pair = group[order].astype(np.int64) * (int(items.max()) + 1) + items[order]
        _, at = np.unique(pair, return_index=True)
        order = order[np.sort(at)]
    lengths = np.bincount(group[order], minlength=len(first))
    return Sessions.from_lengths(items[order], lengths[np.argsort(first, kind="stable")])
