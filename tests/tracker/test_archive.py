from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.tracker.archiving import SHOP, ingest, log_orders, order_log
from tracker.archive import Archive
from tracker.archive_rows import EVENTS, ORDERS
from tracker.keys import event_stream
from tracker.reader import stream_entries

pytestmark = pytest.mark.anyio


async def test_events_come_back_as_they_were_in_the_stream(store: Any, archive: Archive) -> None:
    await ingest(store, 3)
    raw = await store.xrange(event_stream(SHOP))
    assert archive.write(EVENTS, SHOP, raw) == 6
    assert stream_entries(list(archive.entries(EVENTS, SHOP))) == stream_entries(raw)


async def test_writing_again_adds_nothing(store: Any, archive: Archive) -> None:
    await ingest(store, 4)
    raw = await store.xrange(event_stream(SHOP))
    archive.write(EVENTS, SHOP, raw[:2])
    assert archive.write(EVENTS, SHOP, raw) == 4
    assert archive.write(EVENTS, SHOP, raw[1:]) == 0
    assert archive.rows(EVENTS, SHOP) == 8


async def test_orders_are_archived_by_order_id(store: Any, archive: Archive) -> None:
    ids = await log_orders(store, 3)
    archive.write(ORDERS, SHOP, await store.xrange(order_log(SHOP)))
    day = archive.days(ORDERS, SHOP)[0]
    assert archive.read_day(ORDERS, SHOP, day)["order_id"].to_pylist() == ids


async def test_entries_stop_below_a_stream_id(store: Any, archive: Archive) -> None:
    await ingest(store, 3, per_batch=1)
    raw = await store.xrange(event_stream(SHOP))
    archive.write(EVENTS, SHOP, raw)
    assert [entry_id for entry_id, _ in archive.entries(EVENTS, SHOP, before=raw[2][0])] == [
        raw[0][0],
        raw[1][0],
    ]


def test_files_are_partitioned_by_shop_and_day(tmp_path: Path) -> None:
    archive = Archive.open(tmp_path)
    body = '{"order_id": "o-1"}'
    archive.write(ORDERS, SHOP, [("1764547200000-0", {"kind": "order", "body": body})])
    assert [p.relative_to(tmp_path).parts[:3] for p in tmp_path.rglob("*.parquet")] == [
        ("orders", "shop=acme", "day=2025-12-01")
    ]


def test_leftovers_of_an_interrupted_flush_are_removed(tmp_path: Path) -> None:
    folder = tmp_path / "events" / "shop=acme" / "day=2025-12-01"
    folder.mkdir(parents=True)
    old, fresh = folder / ".1-0_2-0.parquet.aa", folder / ".3-0_4-0.parquet.bb"
    for path in (old, fresh):
        path.write_bytes(b"half")
    os.utime(old, (0, 0))
    assert Archive.open(tmp_path).remove_leftovers() == 1
    assert not old.exists() and fresh.exists()
