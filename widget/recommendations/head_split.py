"""The head of a shop's catalogue: its most popular items in the current trained models.

The same split as the engine's tail share and long-tail re-ranking (`engine.metrics.
head_items`): the 20% most viewed items of the training sessions, ties by item index.
Every other product, one the models never saw included, is in the tail. It is computed
once per version, from the version's artifact in the model store.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import numpy as np

from engine.artifacts import Artifact
from engine.errors import IncompleteModel
from engine.metrics import head_items
from engine.model_store import ModelStore


@dataclass(frozen=True)
class HeadItems:
    """The head's product ids under the model `version`; any other product is in the tail."""

    version: str
    ids: frozenset[str]


def head_of(artifact: Artifact) -> HeadItems:
    item_ids, viewed = artifact.arrays["item_ids"], artifact.arrays["sessions.items"]
    views = np.bincount(viewed, minlength=len(item_ids)).astype(np.float32)
    return HeadItems(artifact.version, frozenset(str(i) for i in item_ids[head_items(views)]))


async def load_head_items(
    store: ModelStore, shop: str, loaded: HeadItems | None = None
) -> HeadItems | None:
    """The head of `shop`'s current version (`loaded` when it is that version, or when
    the version went while being read); None before the first training."""
    version = await store.current_version(shop)
    if version is None:
        return None
    if loaded is not None and loaded.version == version:
        return loaded
    try:
        artifact = await store.load(shop, version)
    except IncompleteModel:
        return loaded
    return await asyncio.to_thread(head_of, artifact)
