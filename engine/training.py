"""Training a shop's models from its event stream, and saving them as a new version.

`train_shop` reads every event of the shop (`engine.shop_history`: the archive's columns,
then the stream's hot window), builds the interactions, fits the basket, ALS, BPR and
item-item models, measures the served model on the shop's own last days
(`engine.held_out`), and saves them as the shop's new current version in the model store,
where every server picks them up; the version's metadata says what it learned from and
the held-out figures.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine.basket import BoughtTogether
from engine.errors import EmptyData
from engine.held_out import held_out_evaluation, recent_sessions
from engine.interactions import EventWeights, Interactions
from engine.model_store import ModelStore
from engine.personal import ImplicitALS, ImplicitBPR, SimilarItems
from engine.shop_history import read_event_table
from engine.trained import TrainedModels
from tracker.archive import Archive
from tracker.reader import stream_length

FIT_STEPS = ("interactions", "evaluate", "basket", "als", "bpr", "similar", "save")


class Progress(Protocol):
    def __call__(self, done: int, total: int, step: str) -> None:
        """`done` of `total` steps (stream entries read, then FIT_STEPS) are finished."""


@dataclass(frozen=True)
class TrainingSettings:
    """Event weights and the sizes of the factor models; `threads` for implicit (0: one
    per core; with more than one, BPR's result varies from run to run). BPR runs
    `bpr_iterations` epochs, fewer when an epoch's samples (one per visitor x item pair)
    would make more than `bpr_samples` in all: a large shop's epoch is long already, and
    BPR's time grows with its samples."""

    weights: EventWeights = field(default_factory=EventWeights)
    factors: int = 64
    als_iterations: int = 15
    bpr_iterations: int = 100
    bpr_samples: int = 50_000_000
    threads: int = 1
    seed: int = 0

    def bpr_epochs(self, pairs: int) -> int:
        return max(1, min(self.bpr_iterations, self.bpr_samples // max(pairs, 1)))


@dataclass(frozen=True)
class TrainingResult:
    shop: str
    version: str
    events: int
    items: int
    visitors: int
    sessions: int
    baskets: int
    seconds: float


def _no_progress(done: int, total: int, step: str) -> None:
    pass


def _return_freed_memory() -> None:
    """Hand the heap memory a step freed back to the system. glibc keeps it for reuse, in
    the arena of the thread that freed it, where the next model's arrays (made in other
    threads) cannot use it: at 10 million events, 1 GB stayed resident for nothing."""
    trim = getattr(_LIBC, "malloc_trim", None)  # glibc's; other C libraries return it
    if trim is not None:
        trim(0)


_LIBC = ctypes.CDLL(ctypes.util.find_library("c")) if sys.platform == "linux" else None


async def train_shop(
    redis: Any,
    shop: str,
    models: ModelStore,
    progress: Progress = _no_progress,
    settings: TrainingSettings = TrainingSettings(),  # noqa: B008
    archive: Archive | None = None,
) -> TrainingResult:
    """Fit every model on all of `shop`'s events (`redis`: redis.asyncio; the older ones
    from `archive` when given) and save them as its new current version in `models`;
    raises `EmptyData` if there is no product event."""
    started = time.perf_counter()
    total = await stream_length(redis, shop) + len(FIT_STEPS)

    def read(entries: int) -> None:
        nonlocal total
        # Batches appended while we read make the stream longer than first counted.
        total = max(total, entries + len(FIT_STEPS))
        progress(entries, total, "reading events")

    table, events = await read_event_table(redis, shop, archive, read)
    finished = iter(range(total - len(FIT_STEPS) + 1, total + 1))

    def step(name: str) -> None:
        _return_freed_memory()
        progress(next(finished), total, name)

    if len(table) == 0:
        raise EmptyData(f"shop {shop!r} has no product events to learn from")
    data = Interactions.build(table, settings.weights)
    recent = recent_sessions(table)
    del table  # the models need the interactions only
    step("interactions")
    # Before the models: its fits come and go while the least memory is taken.
    evaluation = held_out_evaluation(data.sessions, len(data.item_ids), recent)
    step("evaluate")
    trained = _fit(data, settings, step)
    items, visitors = len(data.item_ids), len(data.visitor_ids)
    sessions, baskets = len(data.sessions), len(data.baskets)
    metadata = {
        "shop": shop,
        "events": events,
        "items": items,
        "visitors": visitors,
        "sessions": sessions,
        "baskets": baskets,
        "evaluation": evaluation.as_metadata(),
    }
    version = await trained.save(models, shop, metadata)
    step("save")
    seconds = time.perf_counter() - started
    return TrainingResult(shop, version, events, items, visitors, sessions, baskets, seconds)


def _fit(
    data: Interactions, settings: TrainingSettings, step: Callable[[str], None]
) -> TrainedModels:
    n_items = len(data.item_ids)
    basket = BoughtTogether().fit(data.baskets, n_items)
    step("basket")
    common = {"factors": settings.factors, "threads": settings.threads, "seed": settings.seed}
    als = ImplicitALS(iterations=settings.als_iterations, **common)
    als.fit_confidences(data.confidences)
    step("als")
    bpr = ImplicitBPR(iterations=settings.bpr_epochs(data.confidences.nnz), **common)
    bpr.fit_confidences(data.confidences)
    step("bpr")
    similar = SimilarItems(threads=settings.threads).fit_confidences(data.confidences)
    step("similar")
    return TrainedModels(data.item_ids, data.visitor_ids, data.sessions, basket, als, bpr, similar)
