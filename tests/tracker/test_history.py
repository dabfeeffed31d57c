from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from tests.tracker.archiving import SHOP, ingest
from tracker.archive import Archive
from tracker.archive_rows import EVENTS
from tracker.history import read_history, read_history_parts
from tracker.keys import event_stream
from tracker.reader import StreamEntry

pytestmark = pytest.mark.anyio
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


async def history(store: Any, archive: Archive | None) -> list[str]:
    found = read_history(store, SHOP, EPOCH, archive=archive)
    return [event.event_id async for entry in found for event in entry.events]


async def test_reads_the_archive_then_the_stream_once_each(store: Any, tmp_path: Path) -> None:
    sent = await ingest(store, 5)
    raw = await store.xrange(event_stream(SHOP))
    archive = Archive.open(tmp_path)
    archive.write(EVENTS, SHOP, raw[:4])
    await store.xtrim(event_stream(SHOP), minid=raw[2][0], approximate=False)
    assert await history(store, archive) == sent


async def test_reads_everything_archived_when_the_stream_is_empty(
    store: Any, tmp_path: Path
) -> None:
    sent = await ingest(store, 3)
    archive = Archive.open(tmp_path)
    archive.write(EVENTS, SHOP, await store.xrange(event_stream(SHOP)))
    await store.xtrim(event_stream(SHOP), maxlen=0, approximate=False)
    assert await history(store, archive) == sent


async def test_without_an_archive_reads_the_stream(store: Any) -> None:
    sent = await ingest(store, 2)
    assert await history(store, None) == sent


async def test_parts_are_archived_tables_then_stream_entries(store: Any, tmp_path: Path) -> None:
    sent = await ingest(store, 5)
    raw = await store.xrange(event_stream(SHOP))
    archive = Archive.open(tmp_path)
    archive.write(EVENTS, SHOP, raw[:4])
    await store.xtrim(event_stream(SHOP), minid=raw[2][0], approximate=False)
    parts = [part async for part in read_history_parts(store, SHOP, archive, ["event_id"], EPOCH)]
    tables = [part for part in parts if isinstance(part, pa.Table)]
    entries = [part for part in parts if isinstance(part, StreamEntry)]
    assert parts == [*tables, *entries] and (len(tables), len(entries)) == (1, 3)
    archived = [name for table in tables for name in table["event_id"].to_pylist()]
    assert archived + [event.event_id for entry in entries for event in entry.events] == sent
