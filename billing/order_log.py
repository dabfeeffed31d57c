"""The log of orders and refunds of record, as billing reads it: a consumer group, or whole.

The log and the order hashes belong to widget (`widget/orders_keys.py`); billing may not
import widget, so the app hands their key builders in as `OrderLogKeys`.
`OrderLogReader` mirrors `tracker.reader.StreamReader` for a stream of `kind`/`body` fields.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import redis.exceptions

from billing.contributions import OrderOfRecord


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


def _entries(raw: list[Any]) -> list[OrderLogEntry]:
    return [OrderLogEntry(entry_id, fields["kind"], fields["body"]) for entry_id, fields in raw]


class OrderLogReader:
    """One consumer of a consumer group over a shop's order log; `redis` is redis.asyncio."""

    def __init__(self, redis: Any, stream: str, group: str, consumer: str) -> None:
        self._redis = redis
        self._stream = stream
        self.group = group
        self.consumer = consumer

    async def ensure_group(self, start: str = "0") -> None:
        try:
            await self._redis.xgroup_create(self._stream, self.group, id=start, mkstream=True)
        except redis.exceptions.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    async def read(self, count: int = 500) -> list[OrderLogEntry]:
        reply = await self._redis.xreadgroup(
            self.group, self.consumer, {self._stream: ">"}, count=count
        )
        return _entries(reply[0][1]) if reply else []

    async def ack(self, entry_ids: list[str]) -> int:
        if not entry_ids:
            return 0
        return int(await self._redis.xack(self._stream, self.group, *entry_ids))

    async def reclaim(self, min_idle_ms: int, count: int = 500) -> list[OrderLogEntry]:
        """Take over entries pending for longer than `min_idle_ms` in any consumer."""
        claimed: list[OrderLogEntry] = []
        cursor = "0-0"
        while True:
            reply = await self._redis.xautoclaim(
                self._stream, self.group, self.consumer, min_idle_ms, cursor, count=count
            )
            cursor, entries = reply[0], reply[1]
            claimed += _entries([entry for entry in entries if entry[1]])
            if cursor == "0-0" or len(claimed) >= count:
                return claimed


async def read_order_log(
    redis: Any, stream: str, page_size: int = 1000
) -> AsyncIterator[OrderLogEntry]:
    """Every entry of the log, oldest first (a refund always after its order)."""
    start = "-"
    while True:
        page = await redis.xrange(stream, min=start, max="+", count=page_size)
        for entry in _entries(page):
            yield entry
        if len(page) < page_size:
            return
        start = "(" + page[-1][0]


async def order_of_record(
    redis: Any, keys: OrderLogKeys, shop: str, order_id: str
) -> OrderOfRecord:
    """The order a refund refers to (the refund script made sure it exists)."""
    body = await redis.hget(keys.order(shop, order_id), "body")
    if body is None:
        raise LookupError(f"no order {order_id!r} of record in shop {shop!r}")
    return OrderOfRecord.from_json(body)
