"""One consumer's readers of every shop's event stream and order log, in one group.

The ledger and the dashboard's placement rollup both follow each shop's events and
orders of record. A shop's readers are made the first time it is seen, and their group
is created from the start of both streams: these consumers need every record still kept.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from typing import Any

from billing.order_log import OrderLogReader, order_log_reader
from tracker import keys as tracker_keys
from tracker.reader import StreamReader


class ShopReaders:
    """`order_log(shop)` names a shop's order log; `consumer` defaults to host-pid."""

    def __init__(
        self,
        redis: Any,
        order_log: Callable[[str], str],
        group: str,
        consumer: str | None = None,
    ) -> None:
        self._redis = redis
        self._order_log = order_log
        self.group = group
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}"
        self._events: dict[str, StreamReader] = {}
        self._orders: dict[str, OrderLogReader] = {}

    async def shops(self) -> list[str]:
        return sorted(await self._redis.smembers(tracker_keys.SHOPS_INDEX))

    async def events(self, shop: str) -> StreamReader:
        reader = self._events.get(shop)
        if reader is None:
            reader = StreamReader(self._redis, shop, self.group, self.consumer)
            await reader.ensure_group("0")
            self._events[shop] = reader
        return reader

    async def orders(self, shop: str) -> OrderLogReader:
        reader = self._orders.get(shop)
        if reader is None:
            stream = self._order_log(shop)
            reader = order_log_reader(self._redis, stream, self.group, self.consumer)
            await reader.ensure_group("0")
            self._orders[shop] = reader
        return reader
