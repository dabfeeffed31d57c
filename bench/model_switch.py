"""Model switch benchmark: a shop's models through the store, and serving during a switch.

A synthetic artefact of a realistic size (random factors and sparse matrices over
`--items` products and `--visitors` returning visitors, `--sessions` browsing sessions)
is saved in a real embedded store; then it is timed how long a server takes to download
it, and to build and warm it (`load_engine_models`: session models fitted, serving paths
compiled or read from numba's cache). Meanwhile the event loop keeps answering model
calls on the previous models every few milliseconds, as requests would be: their latency
while idle and during the background switch shows what a visitor sees of a switch.

    python -m bench.model_switch [--items 40000] [--visitors 100000] [--sessions 300000]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from bench.harness import print_table, save_results
from engine.artifacts import sparse_arrays
from engine.basket import BasketSettings
from engine.model_store import ModelStore
from widget.platform.embedded import EmbeddedStore
from widget.platform.store import connect
from widget.recommendations.models import EngineModels, load_engine_models
from widget.recommendations.switching import ModelSwitcher

NEIGHBOURS = 50
SESSION_LENGTH = 5


def synthetic_arrays(items: int, visitors: int, sessions: int, factors: int) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    # Popularity as in shops: a long tail (Zipf-like), so the head is a small share.
    weights = 1.0 / np.arange(1, items + 1) ** 0.8
    weights /= weights.sum()
    views = rng.choice(items, size=sessions * SESSION_LENGTH, p=weights).astype(np.int32)
    offsets = np.arange(0, len(views) + 1, SESSION_LENGTH, dtype=np.int64)

    def neighbours(n: int) -> sp.csr_matrix:
        rows = np.repeat(np.arange(items), n)
        columns = rng.choice(items, size=items * n, p=weights)
        values = rng.random(items * n).astype(np.float32)
        return sp.csr_matrix((values, (rows, columns)), shape=(items, items))

    arrays: dict[str, Any] = {
        "item_ids": np.array([f"p{i}" for i in range(items)]),
        "visitor_ids": np.array([f"v{i}" for i in range(visitors)]),
        "sessions.items": views,
        "sessions.offsets": offsets,
        **sparse_arrays("basket.associations", neighbours(NEIGHBOURS // 5)),
        **sparse_arrays("similar.similarity", neighbours(NEIGHBOURS)),
    }
    for name in ("als", "bpr"):
        arrays[f"{name}.user_factors"] = rng.random((visitors, factors), dtype=np.float32)
        arrays[f"{name}.item_factors"] = rng.random((items, factors), dtype=np.float32)
    popularity = np.bincount(views, minlength=items).astype(np.float32)
    for name in ("basket", "als", "bpr", "similar"):
        arrays[f"{name}.popularity"] = popularity
    return arrays


METADATA = {
    "format": 1,
    "basket": vars(BasketSettings()),
    "als": {"alpha": 40.0, "regularization": 0.01},
    "similar": {"kind": "cosine", "neighbours": NEIGHBOURS},
    "shop": "bench",
}


async def answer_times(
    models: EngineModels, items: int, stop: asyncio.Event, every_s: float = 0.005
) -> list[float]:
    """Milliseconds of model calls made on the loop every `every_s`, each a new context,
    counted from when the call was due (so time spent waiting for the loop counts too)."""
    rng = np.random.default_rng(1)
    times = []
    while not stop.is_set():
        due = time.perf_counter()
        await asyncio.sleep(every_s)
        due += every_s
        context = [f"p{i}" for i in rng.integers(0, items, size=3)]
        models.after_session(context, 24)
        times.append((time.perf_counter() - due) * 1000)
    return times


def percentiles(times: list[float]) -> dict[str, float]:
    found = np.percentile(times, [50, 99, 100])
    return {
        "p50_ms": round(float(found[0]), 2),
        "p99_ms": round(float(found[1]), 2),
        "max_ms": round(float(found[2]), 2),
        "calls": len(times),
    }


async def run(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    store = EmbeddedStore(folder)
    client = await connect(store.start())
    try:
        models = ModelStore(client)
        arrays = synthetic_arrays(args.items, args.visitors, args.sessions, args.factors)
        started = time.perf_counter()
        first = await models.save("bench", arrays, METADATA)
        save_s = time.perf_counter() - started
        second = await models.save("bench", arrays, METADATA)
        key = f"bl:{{bench}}:models:version:{second}"
        stored_mb = await client.memory_usage(key, samples=0) / 1e6
        started = time.perf_counter()
        artifact = await models.load("bench", first)
        download_s = time.perf_counter() - started
        started = time.perf_counter()
        old = await asyncio.to_thread(load_engine_models, artifact)
        first_build_s = time.perf_counter() - started

        stop = asyncio.Event()
        idle = asyncio.create_task(answer_times(old, args.items, stop))
        await asyncio.sleep(3)
        stop.set()
        idle_times = await idle

        stop = asyncio.Event()
        during = asyncio.create_task(answer_times(old, args.items, stop))
        started = time.perf_counter()
        switched = await ModelSwitcher(models)("bench", old)
        switch_s = time.perf_counter() - started
        stop.set()
        during_times = await during
        assert isinstance(switched, EngineModels) and switched.version == second
    finally:
        await client.aclose()
        store.stop()
    return {
        "items": args.items,
        "visitors": args.visitors,
        "sessions": args.sessions,
        "factors": args.factors,
        "stored_mb_per_version": round(stored_mb, 1),
        "save_s": round(save_s, 2),
        "download_s": round(download_s, 2),
        "first_build_s": round(first_build_s, 2),
        "switch_s": round(switch_s, 2),
        "calls_idle": percentiles(idle_times),
        "calls_during_switch": percentiles(during_times),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=40_000)
    parser.add_argument("--visitors", type=int, default=100_000)
    parser.add_argument("--sessions", type=int, default=300_000)
    parser.add_argument("--factors", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        result = asyncio.run(run(args, Path(folder)))
    rows = [{"while": name[6:], **result[name]} for name in ("calls_idle", "calls_during_switch")]
    print_table(rows, "model calls on the event loop, every 5 ms")
    print({k: v for k, v in result.items() if not k.startswith("calls")})
    print(f"saved to {save_results('model_switch', result)}")


if __name__ == "__main__":
    main()
