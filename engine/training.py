"""Training a shop's models from its event stream, and saving them as a new version.

`train_shop` reads every event of the shop through the tracker's `read_history`, builds
the interactions, fits the basket, ALS, BPR and item-item models, and saves them as the
shop's new current version in the model store, where every server picks them up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from engine.basket import BoughtTogether
from engine.errors import EmptyData
from engine.interactions import EventTable, EventWeights, Interactions
from engine.model_store import ModelStore
from engine.personal import ImplicitALS, ImplicitBPR, SimilarItems
from engine.trained import TrainedModels
from tracker.archive import Archive
from tracker.history import read_history
from tracker.reader import stream_length
from tracker.schema import Event

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FIT_STEPS = ("interactions", "basket", "als", "bpr", "similar", "save")


class Progress(Protocol):
    def __call__(self, done: int, total: int, step: str) -> None:
        """`done` of `total` steps (stream entries read, then FIT_STEPS) are finished."""


@dataclass(frozen=True)
class TrainingSettings:
    """Event weights and the sizes of the factor models; `threads` for implicit (1-2)."""

    weights: EventWeights = field(default_factory=EventWeights)
    factors: int = 64
    als_iterations: int = 15
    bpr_iterations: int = 100
    threads: int = 1
    seed: int = 0


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
    events: list[Event] = []
    entries = 0
    async for entry in read_history(redis, shop, _EPOCH, archive=archive):
        events.extend(entry.events)
        entries += 1
        # Batches appended while we read make the stream longer than first counted.
        total = max(total, entries + len(FIT_STEPS))
        progress(entries, total, "reading events")
    finished = iter(range(entries + 1, total + 1))

    def step(name: str) -> None:
        progress(next(finished), total, name)

    table = EventTable.from_events(events)
    if len(table) == 0:
        raise EmptyData(f"shop {shop!r} has no product events to learn from")
    data = Interactions.build(table, settings.weights)
    step("interactions")
    trained = _fit(data, settings, step)
    version = await trained.save(models, shop, {"shop": shop, "events": len(events)})
    step("save")
    return TrainingResult(
        shop,
        version,
        len(events),
        len(data.item_ids),
        len(data.visitor_ids),
        len(data.sessions),
        len(data.baskets),
        time.perf_counter() - started,
    )


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
    bpr = ImplicitBPR(iterations=settings.bpr_iterations, **common)
    bpr.fit_confidences(data.confidences)
    step("bpr")
    similar = SimilarItems(threads=settings.threads).fit_confidences(data.confidences)
    step("similar")
    return TrainedModels(data.item_ids, data.visitor_ids, data.sessions, basket, als, bpr, similar)
