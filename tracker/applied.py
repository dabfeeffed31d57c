"""What a counting consumer applied, remembered while the stream entry it came from may
be delivered again.

The ledger and the placement rollup remember the id of everything they count, so that a
replay counts once: an entry delivered again after a crash, or reclaimed from a consumer
that stalled. An entry can be delivered again only while it is in its stream, and a stream
keeps an entry until every group acknowledged it and it is older than the hot window
(`tracker.bound`). So the ids sit in one set per minute of their stream entry's id, each
minute listed in an index (a sorted set of the minutes' starts), and `forget_trimmed`
deletes a minute's set once the stream's first entry is past it. Without trimming (no
archiver) nothing is forgotten.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redis.exceptions import ResponseError

from tracker.keys import event_stream

BUCKET_MS = 60_000


def bucket_of(entry_ms: int | None) -> int:
    """The start (unix ms) of the minute of a stream entry's id (None: now)."""
    ms = int(time.time() * 1000) if entry_ms is None else entry_ms
    return ms - ms % BUCKET_MS


@dataclass(frozen=True)
class AppliedIds:
    """The sets of ids applied from `stream`: `bucket(start)` names a minute's set and
    `index` lists the minutes that have one."""

    stream: str
    index: str
    bucket: Callable[[int], str]

    async def forget_trimmed(self, store: Any) -> int:
        """Delete the sets of the minutes that the stream has trimmed entirely; how many.
        `store` is a redis.asyncio client."""
        try:
            info = await store.xinfo_stream(self.stream)
        except ResponseError:
            return 0  # no such stream: nothing was applied from it
        first = info.get("first-entry")
        kept_from = _ms(first[0]) if first else _ms(info["last-generated-id"]) + 1
        gone = await store.zrangebyscore(self.index, "-inf", kept_from - BUCKET_MS)
        if not gone:
            return 0
        await store.delete(*(self.bucket(int(start)) for start in gone))
        await store.zrem(self.index, *gone)
        return len(gone)


def events_and_orders(
    shop: str,
    order_log: str,
    bucket: Callable[[str, str, int], str],
    index: Callable[[str, str], str],
) -> tuple[AppliedIds, AppliedIds]:
    """The ids a consumer applied from the shop's event stream (source `events`) and its
    order log (`orders`); `bucket(shop, source, minute)` and `index(shop, source)` are the
    consumer's key builders."""

    def of(source: str, stream: str) -> AppliedIds:
        return AppliedIds(stream, index(shop, source), functools.partial(bucket, shop, source))

    return of("events", event_stream(shop)), of("orders", order_log)


def _ms(entry_id: str | bytes) -> int:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.split("-")[0])
