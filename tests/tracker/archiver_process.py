"""An archiver in a process of its own, for the crash test: `python -m
tests.tracker.archiver_process STORE_URL ARCHIVE_DIR`, flushing often, until killed."""

from __future__ import annotations

import asyncio
import sys

from tests.tracker.archiving import order_log
from tracker.archive import Archive
from tracker.archiver import Archiver
from widget.platform.store import connect


async def main(url: str, folder: str) -> None:
    client = await connect(url)
    archiver = Archiver(
        client,
        Archive.open(folder),
        order_log,
        idle_s=0.01,
        reclaim_after_ms=300,
        flush_rows=50,
        flush_after_s=0.01,
    )
    await archiver.run(asyncio.Event())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
