from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from billing.order_log import read_order_log
from tests.tracker.archiving import SHOP, ingest, log_orders, order_log
from tracker.archive import Archive
from tracker.archiver import Archiver

pytestmark = pytest.mark.anyio


async def bodies(store: Any, archive: Archive | None) -> list[str]:
    found = read_order_log(store, SHOP, order_log(SHOP), archive)
    return [orjson.loads(entry.body)["order_id"] async for entry in found]


async def test_the_log_is_trimmed_once_archived_and_read_whole_from_both(
    store: Any, tmp_path: Path
) -> None:
    await ingest(store, 1)
    archived = await log_orders(store, 3)
    archive = Archive.open(tmp_path)
    archiving = Archiver(store, archive, order_log, flush_after_s=0, hot_window_ms=0)
    await archiving.run_once()
    await archiving.bound()
    assert await store.xlen(order_log(SHOP)) == 0
    body = orjson.dumps({"order_id": "kept", "total": "1.00"}).decode()
    await store.xadd(order_log(SHOP), {"kind": "order", "body": body})
    assert await bodies(store, archive) == [*archived, "kept"]
    assert await bodies(store, None) == ["kept"]
