"""Events as product rows in Arrow columns: what `EventTable` is built from.

One row per product an event names (an order gives a row per product bought), in the
order of the events: visitor, session (the browser's session id), product, kind (VIEW,
CART, PURCHASE), time (unix milliseconds) and, for purchases only, the order id.
Bot-flagged events and events that name no product give no row.

`archived_rows` turns a table of archived event columns into rows with whole-column
operations (only an order's product list is read one order at a time); `event_rows` does
the same for event objects, as the stream's hot window gives them. Strings are kept
dictionary-encoded, so a day of rows costs little more than its integers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from tracker.schema import Event

VIEW, CART, PURCHASE = 0, 1, 2
KIND_OF_EVENT: dict[str, int] = {
    "Product Viewed": VIEW,
    "Product Clicked": VIEW,
    "Recommendation Clicked": VIEW,
    "Product Added": CART,
    "Order Completed": PURCHASE,
}
ORDER_EVENT = "Order Completed"
# The archive's event columns that rows are made of.
ARCHIVE_COLUMNS = (
    "event_id",
    "type",
    "anonymous_id",
    "session_id",
    "timestamp",
    "bot",
    "product_id",
    "properties",
)
_TEXT = pa.dictionary(pa.int32(), pa.string())
ROW_SCHEMA = pa.schema(
    [
        pa.field("visitor", _TEXT),
        pa.field("session", _TEXT),
        pa.field("product", _TEXT),
        pa.field("kind", pa.int8()),
        pa.field("time_ms", pa.int64()),
        pa.field("order", _TEXT),
    ]
)


def order_products(properties: dict[str, Any], event_id: str) -> list[tuple[str, str]]:
    """(product, order id) of each product an order event lists."""
    order = str(properties.get("order_id", event_id))
    return [(str(p["product_id"]), order) for p in properties.get("products", ())]


def _rows(
    visitors: pa.Array | pa.ChunkedArray,
    sessions: pa.Array | pa.ChunkedArray,
    products: pa.Array | pa.ChunkedArray,
    kinds: npt.NDArray[np.int8],
    times_ms: npt.NDArray[np.int64],
    orders: pa.Array | pa.ChunkedArray,
) -> pa.Table:
    columns = (visitors, sessions, products)
    encoded = [pc.dictionary_encode(column).cast(_TEXT) for column in columns]
    order = pc.dictionary_encode(orders).cast(_TEXT)
    return pa.Table.from_arrays(
        [*encoded, pa.array(kinds, pa.int8()), pa.array(times_ms, pa.int64()), order],
        schema=ROW_SCHEMA,
    )


def _kinds(types: pa.ChunkedArray) -> npt.NDArray[np.int8]:
    """The kind of each event type (n_events,), -1 for types that are no interaction."""
    encoded = pc.dictionary_encode(types.combine_chunks())
    known = [KIND_OF_EVENT.get(name, -1) for name in encoded.dictionary.to_pylist()]
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    kinds: npt.NDArray[np.int8] = np.asarray(known, dtype=np.int8)[indices]
    return kinds


def archived_rows(table: pa.Table) -> pa.Table:
    """Rows (ROW_SCHEMA) of a table of the archive's event columns (ARCHIVE_COLUMNS)."""
    kinds = _kinds(table["type"])
    human = ~table["bot"].to_numpy(zero_copy_only=False)
    named = table["product_id"].is_valid().to_numpy(zero_copy_only=False)
    browsing = np.flatnonzero(human & named & (kinds >= 0) & (kinds != PURCHASE))
    bought = np.flatnonzero(human & (kinds == PURCHASE))
    lines = [
        order_products(orjson.loads(text), event_id)
        for text, event_id in zip(
            table["properties"].take(bought).to_pylist(),
            table["event_id"].take(bought).to_pylist(),
            strict=True,
        )
    ]
    # Each event's rows where the event was: browsing rows first, then every order's
    # lines, put back in event order by a stable sort.
    source = np.concatenate([browsing, np.repeat(bought, [len(found) for found in lines])])
    place = np.argsort(source, kind="stable")
    source = source[place]
    bought_products = [product for found in lines for product, _ in found]
    products = pa.concat_arrays(
        [
            table["product_id"].take(browsing).combine_chunks(),
            pa.array(bought_products, pa.string()),
        ]
    )
    orders = pa.concat_arrays(
        [
            pa.nulls(len(browsing), pa.string()),
            pa.array([order for found in lines for _, order in found], pa.string()),
        ]
    )
    times = table["timestamp"].cast(pa.int64()).to_numpy(zero_copy_only=False)
    return _rows(
        table["anonymous_id"].take(source),
        table["session_id"].take(source),
        products.take(place),
        kinds[source],
        times[source],
        orders.take(place),
    )


def event_rows(events: Iterable[Event]) -> pa.Table:
    """Rows (ROW_SCHEMA) of event objects, one event at a time."""
    found = [
        (e.anonymous_id, e.session_id, product, kind, e.timestamp, order)
        for e in events
        if not e.bot and (kind := KIND_OF_EVENT.get(e.type)) is not None
        for product, order in _products(e)
    ]
    visitors, sessions, products, kinds, stamps, orders = (
        zip(*found, strict=True) if found else ((),) * 6
    )
    moments = np.array([stamp.rstrip("Z") for stamp in stamps], dtype="datetime64[ms]")
    return _rows(
        pa.array(visitors, pa.string()),
        pa.array(sessions, pa.string()),
        pa.array(products, pa.string()),
        np.array(kinds, dtype=np.int8),
        moments.astype(np.int64),
        pa.array(orders, pa.string()),
    )


def _products(event: Event) -> list[tuple[str, str | None]]:
    if event.type == ORDER_EVENT:
        return list(order_products(event.properties, event.event_id))
    product = event.properties.get("product_id")
    return [] if product is None else [(str(product), None)]
