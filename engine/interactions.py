"""From tracker events to the engine's data: confidences, sessions and baskets.

`EventTable.from_rows` encodes product rows (`engine.event_rows`: one per product, an
order giving a row per product bought) as integer columns once; everything after that
works on whole arrays. Bot-flagged events and events that name no product are left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from engine.event_rows import PURCHASE, ROW_SCHEMA, event_rows
from engine.sessions import ItemArray, ItemIds, Sessions
from tracker.schema import Event


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
    """Product interactions as integer columns (n_rows,).

    visitors, products: indices into `visitor_ids`, `product_ids` (the ids of the rows);
    sessions: the row's browser session, numbered in the order of (visitor, session id);
    kinds: VIEW, CART or PURCHASE; times: unix seconds; orders: the row's order, numbered
    in the order of (visitor, order id), -1 for rows that are no purchase.
    """

    visitor_ids: ItemIds
    product_ids: ItemIds
    visitors: ItemArray
    sessions: ItemArray
    products: ItemArray
    kinds: npt.NDArray[np.int8]
    times: npt.NDArray[np.float64]
    orders: ItemArray

    @classmethod
    def from_rows(cls, pieces: Sequence[pa.Table]) -> EventTable:
        """The table of rows (`engine.event_rows.ROW_SCHEMA`) given in pieces, in order."""
        rows = pa.concat_tables([ROW_SCHEMA.empty_table(), *pieces])
        visitor_ids, visitors = _encode(rows["visitor"])
        product_ids, products = _encode(rows["product"])
        _, session_ids = _encode(rows["session"])
        kinds = rows["kind"].to_numpy().astype(np.int8)
        bought = kinds == PURCHASE
        _, order_ids = _encode(rows["order"].filter(pa.array(bought)))
        orders = np.full(len(kinds), -1, dtype=np.int32)
        orders[bought] = _pairs(visitors[bought], order_ids)
        return cls(
            visitor_ids,
            product_ids,
            visitors,
            _pairs(visitors, session_ids),
            products,
            kinds,
            rows["time_ms"].to_numpy() / 1000.0,
            orders,
        )

    @classmethod
    def from_events(cls, events: Iterable[Event]) -> EventTable:
        return cls.from_rows([event_rows(events)])

    def __len__(self) -> int:
        return len(self.products)


def _encode(column: pa.ChunkedArray) -> tuple[ItemIds, ItemArray]:
    """The distinct values of a dictionary column (sorted) and each row's index among them."""
    column = column.unify_dictionaries()
    if column.num_chunks == 0:
        return ItemIds(np.zeros(0, dtype=np.str_)), np.zeros(0, dtype=np.int32)
    dictionary = column.chunk(0).dictionary
    indices = np.concatenate(
        [chunk.indices.to_numpy(zero_copy_only=False) for chunk in column.chunks]
    ).astype(np.int64)
    used = np.bincount(indices, minlength=len(dictionary)) > 0
    ordered = pc.sort_indices(dictionary).to_numpy()
    ordered = ordered[used[ordered]]
    rank = np.full(len(dictionary), -1, dtype=np.int32)
    rank[ordered] = np.arange(len(ordered), dtype=np.int32)
    ids = np.array(dictionary.take(ordered).to_pylist(), dtype=np.str_)
    return ItemIds(ids), rank[indices]


def _pairs(first: ItemArray, second: ItemArray) -> ItemArray:
    """A number per distinct pair (first, second), in the order of the pairs."""
    if len(first) == 0:
        return np.zeros(0, dtype=np.int32)
    key = first.astype(np.int64) * (int(second.max()) + 1) + second
    _, inverse = np.unique(key, return_inverse=True)
    numbers: ItemArray = inverse.ravel().astype(np.int32)
    return numbers


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
        item_ids, items = table.product_ids, table.products
        visitor_ids, visitors = table.visitor_ids, table.visitors
        confidences = sp.csr_matrix(
            (_weights(table, weights, now), (visitors, items)),
            shape=(len(visitor_ids), len(item_ids)),
            dtype=np.float32,
        )
        confidences.sum_duplicates()
        browsing = table.kinds != PURCHASE
        sessions = _grouped(table.sessions[browsing], table.times[browsing], items[browsing])
        bought = table.kinds == PURCHASE
        baskets = _grouped(table.orders[bought], table.times[bought], items[bought], distinct=True)
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
    keys: ItemArray,
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
