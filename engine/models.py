"""The named recommenders: the model the product serves, and the baselines beside it.

`basketlift` is a weighted hybrid that proposes candidates and a learned re-ranker that
orders them. The re-ranker's weights (ranker_weights.json) were fitted on a validation
split carved from the diginetica training file (its last 10% of sessions, every prefix a
case), never on its test file: see bench/engine_tuning.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import orjson

from engine.errors import UnknownModel
from engine.hybrid import Hybrid
from engine.itemknn import ItemCosine
from engine.longtail import LongTail
from engine.neighbourhood import SKNN, STAN, VSKNN, VSTAN, SessionNeighbourhood
from engine.popularity import Popularity, Repeats, SessionPopularity
from engine.recommender import Recommender
from engine.reranker import FEATURES, LearnedRanker
from engine.rules import AssociationRules, RuleSettings, SequentialRules

DEFAULT_MODEL = "basketlift"
BASELINES = ("pop", "spop", "item_cosine", "ar", "vsknn")

# The served neighbourhood: V-SKNN votes with a cosine-like length penalty, squared idf
# and a slow preference for recent sessions; rules also favour recent sessions.
SERVED_NEIGHBOURHOOD = replace(
    VSKNN, k=200, length_norm=0.5, idf_power=2.0, session_decay=150_000.0
)
SERVED_RULES = RuleSettings(click_decay=1.0, session_decay=100_000.0)
SERVED_WEIGHTS = (1.0, 0.2, 2.5)  # neighbourhood, sequential rules, repeats
SERVED_REPEAT_DECAY = 1.0
RANKER_WEIGHTS_FILE = Path(__file__).with_name("ranker_weights.json")


def candidate_hybrid() -> Hybrid:
    """The hybrid that proposes the candidates: session neighbours + rules + re-views."""
    return Hybrid(
        [
            SessionNeighbourhood(SERVED_NEIGHBOURHOOD, "neighbours"),
            SequentialRules(SERVED_RULES),
            Repeats(SERVED_REPEAT_DECAY),
        ],
        SERVED_WEIGHTS,
        name=DEFAULT_MODEL,
    )


def ranker_weights() -> list[float]:
    """The re-ranker's weights in the order of `FEATURES`, from ranker_weights.json."""
    weights: dict[str, float] = orjson.loads(RANKER_WEIGHTS_FILE.read_bytes())["weights"]
    if list(weights) != list(FEATURES):
        raise ValueError(f"{RANKER_WEIGHTS_FILE} does not match the features; rerun the tuning")
    return list(weights.values())


def served(tail_boost: float = 0.0) -> Recommender:
    """The model the product serves: the candidate hybrid, re-ranked by learned weights."""
    ranker = LearnedRanker(candidate_hybrid(), ranker_weights())
    return LongTail(ranker, tail_boost) if tail_boost > 0 else ranker


MODELS: dict[str, Callable[[], Recommender]] = {
    DEFAULT_MODEL: served,
    "pop": Popularity,
    "spop": SessionPopularity,
    "item_cosine": ItemCosine,
    "ar": AssociationRules,
    "sr": SequentialRules,
    "sknn": lambda: SessionNeighbourhood(SKNN, "sknn"),
    "vsknn": lambda: SessionNeighbourhood(VSKNN, "vsknn"),
    "stan": lambda: SessionNeighbourhood(STAN, "stan"),
    "vstan": lambda: SessionNeighbourhood(VSTAN, "vstan"),
}


def create(name: str) -> Recommender:
    """A new, unfitted recommender by name (see `MODELS`)."""
    try:
        factory = MODELS[name]
    except KeyError:
        raise UnknownModel(f"unknown model {name!r}; known: {', '.join(sorted(MODELS))}") from None
    return factory()
