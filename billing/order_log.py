"""The log of orders and refunds of record, as billing reads it: a consumer group, or whole.

The log and the order hashes belong to widget (`widget/orders/keys.py`); billing may not
import widget, so the app hands their key builders in as `OrderLogKeys`.
Its readers are the tracker's stream readers over entries of `kind`/`body` fields. The log
keeps a hot window, like the event stream; older entries are read from the archive.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from billing.contributions import OrderOfRecord
from tracker.archive import Archive
from tracker.archive_rows import ORDERS
from tracker.history import read_archived
from tracker.reader import GroupReader


@dataclass(frozen=True)
class OrderLogKeys:
    """`log(shop)`: the stream of `kind` (order | refund) and `body` (JSON) entries;
    `order(shop, order_id)`: the hash whose `body` field is the order of record."""

    log: Callable[[str], str]
    order: Callable[[str, str], str]


@dataclass(frozen=True)
class OrderLogEntry:
    id: str
    kind: str
    body: str

    @property
    def received_ms(self) -> int:
        return int(self.id.split("-")[0])


def order_log_entries(raw: list[Any]) -> list[OrderLogEntry]:
    return [OrderLogEntry(entry_id, fields["kind"], fields["body"]) for entry_id, fields in raw]


OrderLogReader = GroupReader[OrderLogEntry]


def order_log_reader(redis: Any, stream: str, group: str, consumer: str) -> OrderLogReader:
    """One consumer of a consumer group over a shop's order log; `redis` is redis.asyncio."""
    return GroupReader(redis, stream, group, consumer, order_log_entries)


def read_order_log(
    redis: Any, shop: str, stream: str, archive: Archive | None = None
) -> AsyncIterator[OrderLogEntry]:
    """Every entry of the log, oldest first (a refund always after its order): from
    `archive` below the log's first entry, then from the log."""
    return read_archived(redis, ORDERS, shop, stream, order_log_entries, archive=archive)


async def order_of_record(
    redis: Any, keys: OrderLogKeys, shop: str, order_id: str
) -> OrderOfRecord:
    """The order a refund refers to (the refund script made sure it exists)."""
    body = await redis.hget(keys.order(shop, order_id), "body")
    if body is None:
        raise LookupError(f"no order {order_id!r} of record in shop {shop!r}")
    return OrderOfRecord.from_json(body)
