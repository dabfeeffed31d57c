from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.tracker.archiving import SHOP, ingest
from tracker.bound import bound_stream
from tracker.keys import event_stream
from tracker.reader import StreamReader

pytestmark = pytest.mark.anyio
STREAM = event_stream(SHOP)
HOUR_MS = 3_600_000


async def reader(store: Any, group: str, consumer: str = "worker") -> StreamReader:
    found = StreamReader(store, SHOP, group, consumer)
    await found.ensure_group()
    return found


async def consume(store: Any, group: str, count: int, ack: int | None = None) -> list[str]:
    found = await reader(store, group)
    ids = [entry.id for entry in await found.read(count)]
    await found.ack(ids[: len(ids) if ack is None else ack])
    return ids


async def test_trims_what_every_group_acknowledged(store: Any) -> None:
    await ingest(store, 4)
    await consume(store, "archive", 4)
    await consume(store, "billing", 3)
    assert (await bound_stream(store, STREAM, 0, HOUR_MS, ["archive"])).trimmed == 3
    assert await store.xlen(STREAM) == 1


async def test_never_trims_an_unarchived_entry(store: Any) -> None:
    await ingest(store, 4)
    await consume(store, "billing", 4)
    await consume(store, "archive", 4, ack=2)
    await bound_stream(store, STREAM, 0, HOUR_MS, ["archive"])
    assert await store.xlen(STREAM) == 2


async def test_never_trims_an_entry_before_the_archive_group_exists(store: Any) -> None:
    await ingest(store, 3)
    await consume(store, "billing", 3)
    assert (await bound_stream(store, STREAM, 0, HOUR_MS, ["archive"])).trimmed == 0


async def test_keeps_the_hot_window(store: Any) -> None:
    await ingest(store, 3)
    await consume(store, "archive", 3)
    assert (await bound_stream(store, STREAM, HOUR_MS, HOUR_MS, ["archive"])).trimmed == 0


async def test_removes_a_dead_consumer_once_its_entries_are_claimed(store: Any) -> None:
    await ingest(store, 2)
    await (await reader(store, "billing", "dead")).read(2)
    await asyncio.sleep(0.02)
    assert (await bound_stream(store, STREAM, HOUR_MS, 10, ["archive"])).consumers_removed == 0
    await (await reader(store, "billing", "alive")).reclaim(0)
    await asyncio.sleep(0.02)
    removed = await bound_stream(store, STREAM, HOUR_MS, 10, ["archive"])
    assert removed.consumers_removed == 1
    names = [c["name"] for c in await store.xinfo_consumers(STREAM, "billing")]
    assert names == ["alive"]
