"""A shop's trained models as one artifact: what `train` saves and a server loads.

Saved as arrays: the id maps, the learned matrices of the basket, ALS, BPR and
item-item models, and the browsing sessions. Session models are not saved: they learn
in seconds and keep learning from live events, so a server fits them from `sessions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy.typing as npt

from engine.artifacts import Artifact, sparse_arrays, sparse_matrix
from engine.basket import BasketSettings, BoughtTogether
from engine.model_store import ModelStore
from engine.personal import ImplicitALS, ImplicitBPR, SimilarItems
from engine.sessions import ItemIds, Sessions

FORMAT = 1


@dataclass(frozen=True)
class TrainedModels:
    """Fitted models over one catalogue (`item_ids`) and its returning visitors."""

    item_ids: ItemIds
    visitor_ids: ItemIds
    sessions: Sessions
    basket: BoughtTogether
    als: ImplicitALS
    bpr: ImplicitBPR
    similar: SimilarItems

    async def save(
        self, store: ModelStore, shop: str, metadata: dict[str, Any] | None = None
    ) -> str:
        """Save as `shop`'s new current version in `store`; returns the version."""
        arrays: dict[str, npt.NDArray[Any]] = {
            "item_ids": self.item_ids.ids,
            "visitor_ids": self.visitor_ids.ids,
            "sessions.items": self.sessions.items,
            "sessions.offsets": self.sessions.offsets,
            **sparse_arrays("basket.associations", self.basket.associations),
            **sparse_arrays("similar.similarity", self.similar.similarity),
        }
        for name, model in (("als", self.als), ("bpr", self.bpr)):
            arrays[f"{name}.user_factors"] = model.user_factors
            arrays[f"{name}.item_factors"] = model.item_factors
        for name, fitted in self._models().items():
            arrays[f"{name}.popularity"] = fitted.popularity
        settings = {
            "format": FORMAT,
            "basket": vars(self.basket.settings),
            "als": {"alpha": self.als.alpha, "regularization": self.als.regularization},
            "similar": {"kind": self.similar.kind, "neighbours": self.similar.neighbours},
        }
        return await store.save(shop, arrays, {**settings, **(metadata or {})})

    def _models(self) -> dict[str, BoughtTogether | ImplicitALS | ImplicitBPR | SimilarItems]:
        return {"basket": self.basket, "als": self.als, "bpr": self.bpr, "similar": self.similar}

    @classmethod
    def from_artifact(cls, artifact: Artifact) -> TrainedModels:
        a, meta = artifact.arrays, artifact.metadata
        basket = BoughtTogether(BasketSettings(**meta["basket"]))
        basket.associations = sparse_matrix(a, "basket.associations")
        similar = SimilarItems(meta["similar"]["kind"], meta["similar"]["neighbours"])
        similar.similarity = sparse_matrix(a, "similar.similarity")
        als = ImplicitALS(**meta["als"])
        bpr = ImplicitBPR()
        for name, model in (("als", als), ("bpr", bpr)):
            model.user_factors = a[f"{name}.user_factors"]
            model.item_factors = a[f"{name}.item_factors"]
        als.factors = als.item_factors.shape[1]
        trained = cls(
            ItemIds(a["item_ids"]),
            ItemIds(a["visitor_ids"]),
            Sessions(a["sessions.items"], a["sessions.offsets"]),
            basket,
            als,
            bpr,
            similar,
        )
        for name, fitted in trained._models().items():
            fitted.restore(a[f"{name}.popularity"])
        return trained
