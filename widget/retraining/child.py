"""The training process: `python -m widget.retraining.child` reads a job (JSON) on stdin,
trains the shop at lower CPU priority, and prints one JSON line: its result or its error.

The job carries the store's URL, so no secret shows in the process list. The process
dies with its parent, so a killed server leaves no training behind.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
from typing import Any

import orjson

from engine.model_store import ModelStore
from engine.training import TrainingResult, train_shop
from tracker.archive import Archive
from widget.platform.embedded import die_with_parent
from widget.platform.store import connect
from widget.retraining.attempt import failure_reason


async def _train(job: dict[str, Any]) -> TrainingResult:
    store = await connect(job["store_url"])
    try:
        archive = Archive.open(job["archive"])
        models = ModelStore(store, keep=job["models_kept"])
        return await train_shop(store, job["shop"], models, archive=archive)
    finally:
        await store.aclose()


def main() -> int:
    die_with_parent()
    job = orjson.loads(sys.stdin.buffer.read())
    os.nice(job["niceness"])
    try:
        result = asyncio.run(_train(job))
    except Exception as error:  # any failure is the job's answer, not a crash
        sys.stdout.buffer.write(orjson.dumps({"error": failure_reason(error)}) + b"\n")
        return 1
    sys.stdout.buffer.write(orjson.dumps({"result": dataclasses.asdict(result)}) + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
