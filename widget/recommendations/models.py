"""The trained models of a shop as the recommendations service asks them, by product ids.

`NoModels` answers nothing (a shop before its first training: fallbacks serve it);
`EngineModels` adapts the engine's recommenders, which work on item indices, and
`load_engine_models` builds them from an artifact of the model store. Each answer's
reason says which job it does: "viewed with X", "bought together with X", "less known,
viewed with X", "you might also like".
`EngineModels` remembers its latest answers: they depend on nothing but the context and
the models, and the same contexts come back (reloads, several placements of a page,
visitors landing on the same product), so a repeated context costs a lookup, not a model
call. A new training gives a new `EngineModels`, so no answer outlives its models.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import _lru_cache_wrapper, lru_cache
from typing import Literal, Protocol

import numpy as np

from engine.artifacts import Artifact
from engine.longtail import LongTail
from engine.models import served
from engine.personal import _Factors
from engine.recommender import Recommender, in_words
from engine.sessions import ItemIds
from engine.trained import TrainedModels
from widget.recommendations.head_split import head_of
from widget.recommendations.rules import Candidate

LESS_KNOWN = "less known, "
YOU_MIGHT_ALSO_LIKE = "you might also like"


class ShopModels(Protocol):
    @property
    def head(self) -> frozenset[str]:
        """The head's product ids (`head_split`): the long-tail placement shows none."""
        ...

    def after_session(self, session: Sequence[str], n: int) -> Sequence[Candidate]:
        """Next products for a session's products (oldest first)."""
        ...

    def deep_after_session(self, session: Sequence[str], n: int) -> Sequence[Candidate]:
        """Like `after_session`, re-ranked towards the catalogue's long tail; head items
        may be among them (the service keeps the tail)."""
        ...

    def with_cart(self, cart: Sequence[str], n: int) -> Sequence[Candidate]:
        """Products bought together with the cart's products."""
        ...

    def for_visitor(self, anonymous_id: str, n: int) -> Sequence[Candidate]:
        """Products for a returning visitor, from their history."""
        ...


class NoModels:
    """A shop with no trained model yet: no head, every product is in the tail."""

    head: frozenset[str] = frozenset()

    def after_session(self, session: Sequence[str], n: int) -> Sequence[Candidate]:
        return []

    def deep_after_session(self, session: Sequence[str], n: int) -> Sequence[Candidate]:
        return []

    def with_cart(self, cart: Sequence[str], n: int) -> Sequence[Candidate]:
        return []

    def for_visitor(self, anonymous_id: str, n: int) -> Sequence[Candidate]:
        return []


def _recommend(
    model: Recommender, item_ids: ItemIds, products: Sequence[str], n: int
) -> list[Candidate]:
    context = item_ids.known(products)
    if not context:
        return []
    names = item_ids.names
    return [
        Candidate(names[item], score, in_words(reason, because, names))
        for item, score, (reason, because) in zip(*model.ranked(context, n, context), strict=True)
    ]


# Answers kept per models: 10,000 took 35 to 40 MB of a server's memory in bench/recommend.py.
ANSWERS_KEPT = 10_000
Role = Literal["session", "long_tail", "basket", "personal"]


@dataclass(frozen=True)
class EngineModels(NoModels):
    """A shop's fitted engine models over one item-id map; absent models answer nothing."""

    item_ids: ItemIds
    version: str = ""
    head: frozenset[str] = frozenset()
    session: Recommender | None = None
    long_tail: Recommender | None = None
    basket: Recommender | None = None
    similar: Recommender | None = None
    visitor_ids: ItemIds | None = None
    personal: _Factors | None = None
    _answers: _lru_cache_wrapper[tuple[Candidate, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        answers = lru_cache(maxsize=ANSWERS_KEPT)(self._answer)
        object.__setattr__(self, "_answers", answers)

    def after_session(self, session: Sequence[str], n: int) -> Sequence[Candidate]:
        return self._answers("session", tuple(session), n)

    def deep_after_session(self, session: Sequence[str], n: int) -> Sequence[Candidate]:
        return self._answers("long_tail", tuple(session), n)

    def with_cart(self, cart: Sequence[str], n: int) -> Sequence[Candidate]:
        return self._answers("basket", tuple(cart), n)

    def for_visitor(self, anonymous_id: str, n: int) -> Sequence[Candidate]:
        return self._answers("personal", (anonymous_id,), n)

    def answers_kept(self) -> int:
        """How many answers are remembered now."""
        return self._answers.cache_info().currsize

    def _answer(self, role: Role, context: tuple[str, ...], n: int) -> tuple[Candidate, ...]:
        if role == "session":
            found = _recommend(self.session, self.item_ids, context, n) if self.session else []
            if not found and self.similar is not None:
                # Products the session model never saw browsed may still have look-alikes.
                found = _recommend(self.similar, self.item_ids, context[-1:], n)
        elif role == "long_tail":
            deep = _recommend(self.long_tail, self.item_ids, context, n) if self.long_tail else []
            found = [c._replace(reason=LESS_KNOWN + c.reason) for c in deep]
        elif role == "basket":
            found = _recommend(self.basket, self.item_ids, context, n) if self.basket else []
        else:
            found = self._for_visitor(context[0], n)
        return tuple(found)

    def _for_visitor(self, anonymous_id: str, n: int) -> list[Candidate]:
        if self.personal is None or self.visitor_ids is None:
            return []
        known = self.visitor_ids.known([anonymous_id])
        if not known:
            return []
        visitor = known[0]
        row = self.personal.visitor_scores([visitor]).getrow(0)
        best = np.argsort(-row.data, kind="stable")[:n]
        return [
            Candidate(self.item_ids.names[row.indices[i]], float(row.data[i]), YOU_MIGHT_ALSO_LIKE)
            for i in best
        ]


# The long-tail placement's boost: the largest whose validation HR@20 loss stays within 3%
# (bench/engine_longtail.py). On diginetica's test split: tail share +50% for 3% fewer hits.
DISCOVERY_TAIL_BOOST = 1.5


def load_engine_models(artifact: Artifact) -> EngineModels:
    """The models of `artifact`, ready to serve.

    Session models are fitted here from the artifact's sessions (seconds), and their
    compiled serving path made ready: run this off the event loop.
    """
    models = TrainedModels.from_artifact(artifact)
    discovery = LongTail(served(), DISCOVERY_TAIL_BOOST).fit(models.sessions, len(models.item_ids))
    if len(models.item_ids):
        # Compile the serving paths now (or load them from numba's cache), not on a
        # visitor's request: the first compilation on a machine takes about half a minute.
        # `ranked` is what `_recommend` asks, and the session model has its own.
        for model in (discovery.base, discovery, models.basket, models.similar):
            model.ranked([0], 1)
    return EngineModels(
        item_ids=models.item_ids,
        version=artifact.version,
        head=head_of(artifact).ids,
        session=discovery.base,
        long_tail=discovery,
        basket=models.basket,
        similar=models.similar,
        visitor_ids=models.visitor_ids,
        personal=models.als,
    )
