"""The head of a shop's catalogue: its most popular items in the latest trained models.

The same split as the engine's tail share and long-tail re-ranking (`engine.metrics.
head_items`): the 20% most viewed items of the training sessions, ties by item index.
Every other product, one the models never saw included, is in the tail. Only the two
arrays it needs are read from the artifact, once per version.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.artifacts import ARRAYS, current_version
from engine.metrics import head_items


@dataclass(frozen=True)
class HeadItems:
    """The head's product ids under the model `version`; any other product is in the tail."""

    version: str
    ids: frozenset[str]


def load_head_items(folder: Path, loaded: HeadItems | None = None) -> HeadItems | None:
    """The head of the current version in `folder` (`loaded` when it is that version);
    None before the first training. Reads a file: run it off the event loop."""
    version = current_version(folder)
    if version is None:
        return None
    if loaded is not None and loaded.version == version:
        return loaded
    with np.load(folder / version / ARRAYS, allow_pickle=False) as stored:
        item_ids, viewed = stored["item_ids"], stored["sessions.items"]
    views = np.bincount(viewed, minlength=len(item_ids)).astype(np.float32)
    return HeadItems(version, frozenset(str(i) for i in item_ids[head_items(views)]))
