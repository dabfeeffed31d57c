"""Training a shop in a child process, so that serving never waits for it.

The fit is CPU-bound and would hold the server's event loop for its whole length; a
child process at lower priority (`niceness`), with its numeric libraries held to one
thread, leaves the loop free and the cores to requests first.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import orjson

from engine.training import TrainingResult
from widget.retraining.attempt import TrainingFailed, TrainingInterrupted

# Threads of BLAS, OpenMP and numba in the child: one, as `TrainingSettings.threads` is.
ONE_THREAD = {
    name: "1"
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
}
_STDERR_KEPT = 300


@dataclass(frozen=True)
class ChildProcessTrainer:
    """`await trainer(shop, stop)` trains `shop` in a child process and returns its result.

    Raises `TrainingFailed` with the child's reason (its error, a signal that killed it,
    or `time_limit_s` passed: it is then killed), and `TrainingInterrupted` once `stop`
    is set (the child is killed)."""

    store_url: str
    models_kept: int
    archive: str
    niceness: int = 10
    time_limit_s: float = 4 * 3600
    python: str = sys.executable

    async def __call__(self, shop: str, stop: asyncio.Event) -> TrainingResult:
        job = {
            "shop": shop,
            "store_url": self.store_url,
            "models_kept": self.models_kept,
            "archive": self.archive,
            "niceness": self.niceness,
        }
        child = await asyncio.create_subprocess_exec(
            self.python,
            "-m",
            "widget.retraining.child",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=os.environ | ONE_THREAD,
        )
        answered = asyncio.ensure_future(child.communicate(orjson.dumps(job)))
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait(
                {answered, stopped}, timeout=self.time_limit_s, return_when=asyncio.FIRST_COMPLETED
            )
            finished = answered.done()
        finally:
            stopped.cancel()
            if not answered.done():
                with suppress(ProcessLookupError):
                    child.kill()
                await answered
        if not finished and stop.is_set():
            raise TrainingInterrupted(shop)
        if not finished:
            raise TrainingFailed(
                f"the training did not finish within {self.time_limit_s:g} s and was stopped"
            )
        out, err = answered.result()
        return _answer(child.returncode, out, err)


def _answer(code: int | None, out: bytes, err: bytes) -> TrainingResult:
    try:
        answer: dict[str, Any] = orjson.loads(out.splitlines()[-1])
    except (IndexError, orjson.JSONDecodeError):
        answer = {}
    if code == 0 and "result" in answer:
        return TrainingResult(**answer["result"])
    if "error" in answer:
        raise TrainingFailed(str(answer["error"]))
    if code is not None and code < 0:
        raise TrainingFailed(f"the training process was killed by {signal.Signals(-code).name}")
    tail = err.decode(errors="replace").strip()[-_STDERR_KEPT:]
    raise TrainingFailed(f"the training process exited with status {code}: {tail}")
