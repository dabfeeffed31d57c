from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.tracker.archiving import SHOP, ingest, log_orders, order_log
from tracker.archive import Archive
from tracker.archive_rows import EVENTS, ORDERS
from tracker.archiver import ARCHIVE_GROUP, Archiver
from tracker.keys import event_stream
from tracker.reader import StreamReader, group_backlog, stream_entries

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]


def archived_ids(archive: Archive) -> list[str]:
    entries = stream_entries(list(archive.entries(EVENTS, SHOP)))
    return [event.event_id for entry in entries for event in entry.events]


def archiver(store: Any, archive: Archive, **options: Any) -> Archiver:
    return Archiver(store, archive, order_log, **({"flush_after_s": 0} | options))


async def test_events_and_orders_are_archived_then_acknowledged(
    store: Any, archive: Archive
) -> None:
    sent = await ingest(store, 3)
    orders = await log_orders(store, 2)
    assert await archiver(store, archive).run_once() == 5
    assert archived_ids(archive) == sent
    day = archive.days(ORDERS, SHOP)[0]
    assert archive.read_day(ORDERS, SHOP, day)["order_id"].to_pylist() == orders
    assert (await group_backlog(store, event_stream(SHOP)))[ARCHIVE_GROUP] == 0


async def test_a_flush_written_but_not_acknowledged_is_not_written_twice(
    store: Any, tmp_path: Path
) -> None:
    sent = await ingest(store, 4)
    archive = Archive.open(tmp_path)
    first = archiver(store, archive, consumer="died", flush_rows=10**9, flush_after_s=3600)
    await first.run_once()
    archive.write(EVENTS, SHOP, await store.xrange(event_stream(SHOP)))  # then died
    successor = archiver(store, archive, consumer="next", reclaim_after_ms=0)
    await successor.run_once()
    assert archived_ids(archive) == sent
    assert (await group_backlog(store, event_stream(SHOP)))[ARCHIVE_GROUP] == 0


async def test_what_is_buffered_stays_pending_until_flushed(store: Any, tmp_path: Path) -> None:
    await ingest(store, 2)
    waiting = archiver(store, Archive.open(tmp_path), flush_after_s=3600)
    await waiting.run_once()
    assert (await group_backlog(store, event_stream(SHOP)))[ARCHIVE_GROUP] == 2
    await waiting.flush()
    assert (await group_backlog(store, event_stream(SHOP)))[ARCHIVE_GROUP] == 0


def start(url: str, folder: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "tests.tracker.archiver_process", url, str(folder)]
    return subprocess.Popen(command, cwd=ROOT, env=os.environ | {"PYTHONPATH": str(ROOT)})


async def test_kill_9_mid_flush_loses_and_duplicates_nothing(
    store: Any, clean_store: str, tmp_path: Path
) -> None:
    sent = await ingest(store, 5)
    process = start(clean_store, tmp_path)
    try:
        for _ in range(3):
            for _ in range(8):
                sent += await ingest(store, 10)
                await asyncio.sleep(random.uniform(0, 0.05))
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            process = start(clean_store, tmp_path)
        for _ in range(200):
            if (await group_backlog(store, event_stream(SHOP))).get(ARCHIVE_GROUP) == 0:
                break
            await asyncio.sleep(0.1)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    found = archived_ids(Archive.open(tmp_path))
    assert len(found) == len(set(found)) == len(sent)
    assert set(found) == set(sent)


async def test_bounding_keeps_what_another_group_has_not_acknowledged(
    store: Any, tmp_path: Path
) -> None:
    await ingest(store, 4)
    billing = StreamReader(store, SHOP, "billing", "worker")
    await billing.ensure_group()
    await billing.ack([entry.id for entry in (await billing.read(4))[:1]])
    archiving = archiver(store, Archive.open(tmp_path), hot_window_ms=0)
    await archiving.run_once()
    assert await archiving.bound() == 1
    assert await store.xlen(event_stream(SHOP)) == 3


@pytest.mark.parametrize("seed", range(4))
async def test_trimming_never_drops_an_unarchived_entry(
    store: Any, archive: Archive, seed: int
) -> None:
    """Events and orders arrive, the archiver reads, flushes now and then, another group
    lags: after every bounding, each entry ever appended is in its stream or archived."""
    rng = random.Random(seed)
    archiving = archiver(store, archive, hot_window_ms=0, flush_rows=10**9, flush_after_s=3600)
    billing = StreamReader(store, SHOP, "billing", "worker")
    await billing.ensure_group()
    streams = {EVENTS: event_stream(SHOP), ORDERS: order_log(SHOP)}
    appended: dict[str, set[str]] = {EVENTS: set(), ORDERS: set()}
    trimmed = 0
    for round_ in range(8):
        await ingest(store, rng.randint(0, 3))
        for number in range(rng.randint(0, 2)):
            body = orjson.dumps({"order_id": f"o-{round_}-{number}", "total": "1.00"})
            await store.xadd(order_log(SHOP), {"kind": "order", "body": body.decode()})
        for kind, stream in streams.items():
            appended[kind] |= {entry_id for entry_id, _ in await store.xrange(stream)}
        await archiving.run_once(count=rng.randint(1, 4))
        if rng.random() < 0.5:
            await archiving.flush()
        taken = await billing.read(rng.randint(1, 4))
        await billing.ack([entry.id for entry in taken[: rng.randint(0, len(taken))]])
        trimmed += await archiving.bound()
        for kind, stream in streams.items():
            kept = {entry_id for entry_id, _ in await store.xrange(stream)}
            archived = {entry_id for entry_id, _ in archive.entries(kind, SHOP)}
            assert appended[kind] <= kept | archived
    assert trimmed > 0
