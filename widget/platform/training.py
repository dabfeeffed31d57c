"""Training one shop's models with a progress bar on stderr, as the commands show it."""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm

from engine.model_store import ModelStore
from engine.training import TrainingResult, TrainingSettings, train_shop
from tracker.archive import Archive

# A command has the machine to itself: implicit's threads take every core.
COMMAND_TRAINING = TrainingSettings(threads=0)


async def train_with_progress(
    store: Any,
    shop: str,
    models: ModelStore,
    archive: Archive | None = None,
    settings: TrainingSettings = COMMAND_TRAINING,
) -> TrainingResult:
    """`train_shop` under a bar of its steps (reading `archive` too when given), saving
    into `models`; raises `EmptyData` as it does."""
    with tqdm(desc=f"training {shop}", unit="step", file=sys.stderr) as bar:

        def progress(done: int, total: int, step: str) -> None:
            bar.total = total
            bar.set_postfix_str(step, refresh=False)
            bar.update(done - bar.n)

        return await train_shop(store, shop, models, progress, settings, archive)
