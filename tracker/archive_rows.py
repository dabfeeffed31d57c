"""The archive's rows: stream entries as Arrow tables, and back.

An event row keeps every field of the stored event (the `Exposure Recorded` events the
server adds included), so an export from the archive equals one from the stream; an order
row keeps the order log entry's `kind` and `body` as recorded. Each row carries its stream
entry's id as `entry_ms`, `entry_seq` and, for events, its `position` in the batch: the
identity by which the archive stays exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
import pyarrow as pa

from tracker.schema import format_timestamp

Kind = str  # "events" | "orders"
EVENTS: Kind = "events"
ORDERS: Kind = "orders"

_TIME = pa.timestamp("ms", tz="UTC")
_ENTRY = [pa.field("entry_ms", pa.int64()), pa.field("entry_seq", pa.int64())]
EVENT_SCHEMA = pa.schema(
    [
        *_ENTRY,
        pa.field("position", pa.int32()),
        pa.field("event_id", pa.string()),
        pa.field("type", pa.dictionary(pa.int8(), pa.string())),
        pa.field("anonymous_id", pa.string()),
        pa.field("session_id", pa.string()),
        pa.field("timestamp", _TIME),
        pa.field("received_at", _TIME),
        pa.field("sent_at", pa.string()),
        pa.field("bot", pa.bool_()),
        pa.field("product_id", pa.string()),
        pa.field("properties", pa.string()),
        pa.field("context", pa.string()),
    ]
)
ORDER_SCHEMA = pa.schema(
    [
        *_ENTRY,
        pa.field("kind", pa.dictionary(pa.int8(), pa.string())),
        pa.field("order_id", pa.string()),
        pa.field("body", pa.string()),
    ]
)
SCHEMAS = {EVENTS: EVENT_SCHEMA, ORDERS: ORDER_SCHEMA}

RawEntry = tuple[str, dict[str, str]]


def entry_id(ms: int, seq: int) -> str:
    return f"{ms}-{seq}"


def last_entry_id(table: pa.Table) -> str:
    """The stream id of the last row of a table of rows in stream order."""
    return entry_id(table["entry_ms"][-1].as_py(), table["entry_seq"][-1].as_py())


def split_id(stream_id: str) -> tuple[int, int]:
    ms, _, seq = stream_id.partition("-")
    return int(ms), int(seq or 0)


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def event_table(entries: Iterable[RawEntry]) -> pa.Table:
    """Raw entries of an event stream (`n`, `events` as JSON lines) as rows."""
    columns: dict[str, list[Any]] = {name: [] for name in EVENT_SCHEMA.names}
    for stream_id, fields in entries:
        ms, seq = split_id(stream_id)
        for position, line in enumerate(fields["events"].split("\n")):
            event = orjson.loads(line)
            properties = event.get("properties") or {}
            product = properties.get("product_id")
            for name, value in (
                ("entry_ms", ms),
                ("entry_seq", seq),
                ("position", position),
                ("event_id", event["event_id"]),
                ("type", event["type"]),
                ("anonymous_id", event["anonymous_id"]),
                ("session_id", event["session_id"]),
                ("timestamp", _moment(event["timestamp"])),
                ("received_at", _moment(event["received_at"])),
                ("sent_at", event.get("sent_at")),
                ("bot", bool(event.get("bot"))),
                ("product_id", None if product is None else str(product)),
                ("properties", orjson.dumps(properties).decode()),
                ("context", orjson.dumps(event.get("context") or {}).decode()),
            ):
                columns[name].append(value)
    return pa.Table.from_pydict(columns, schema=EVENT_SCHEMA)


def order_table(entries: Iterable[RawEntry]) -> pa.Table:
    """Raw entries of an order log (`kind`, `body`) as rows."""
    columns: dict[str, list[Any]] = {name: [] for name in ORDER_SCHEMA.names}
    for stream_id, fields in entries:
        ms, seq = split_id(stream_id)
        order_id = orjson.loads(fields["body"]).get("order_id")
        columns["entry_ms"].append(ms)
        columns["entry_seq"].append(seq)
        columns["kind"].append(fields["kind"])
        columns["order_id"].append(None if order_id is None else str(order_id))
        columns["body"].append(fields["body"])
    return pa.Table.from_pydict(columns, schema=ORDER_SCHEMA)


TABLE_OF = {EVENTS: event_table, ORDERS: order_table}


def _text(moment: datetime | None) -> str | None:
    return None if moment is None else format_timestamp(moment.astimezone(UTC))


def event_entries(table: pa.Table, shop: str) -> Iterator[RawEntry]:
    """Rows of `shop` back as raw entries of its event stream, one per stream id, in order."""
    rows = table.to_pylist()
    start = 0
    while start < len(rows):
        key = (rows[start]["entry_ms"], rows[start]["entry_seq"])
        end = start
        lines = []
        while end < len(rows) and (rows[end]["entry_ms"], rows[end]["entry_seq"]) == key:
            lines.append(orjson.dumps(_event(rows[end], shop)).decode())
            end += 1
        yield entry_id(*key), {"n": str(len(lines)), "events": "\n".join(lines)}
        start = end


def _event(row: dict[str, Any], shop: str) -> dict[str, Any]:
    event = {
        "event_id": row["event_id"],
        "type": row["type"],
        "shop": shop,
        "anonymous_id": row["anonymous_id"],
        "session_id": row["session_id"],
        "timestamp": _text(row["timestamp"]),
        "received_at": _text(row["received_at"]),
        "properties": orjson.loads(row["properties"]),
        "context": orjson.loads(row["context"]),
        "bot": row["bot"],
    }
    if row["sent_at"] is not None:
        event["sent_at"] = row["sent_at"]
    return event


def order_entries(table: pa.Table, shop: str) -> Iterator[RawEntry]:
    for row in table.to_pylist():
        yield (
            entry_id(row["entry_ms"], row["entry_seq"]),
            {"kind": row["kind"], "body": row["body"]},
        )


ENTRIES_OF = {EVENTS: event_entries, ORDERS: order_entries}
