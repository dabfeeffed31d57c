"""Engine: from browsing events to product recommendations, and their offline evaluation.

May import `tracker` (to read events); never imports `billing` or `widget`, and never
reads the environment: everything it needs arrives as arguments. Inside, the direction
is sessions/files -> context/topk/values -> recommender -> models (neighbourhood, rules,
popularity, itemknn, hybrid, reranker, longtail) -> registry (models.py) -> evaluation;
artifacts -> model_store (the versions in the store, `keys`) -> trained -> training.
"""

from engine.errors import EmptyData, EngineError, NotFitted, UnknownModel
from engine.evaluation import Evaluation, evaluate, validation_split
from engine.models import BASELINES, DEFAULT_MODEL, MODELS, create, served
from engine.recommender import Ranking, Recommendation, Recommender
from engine.sessions import ItemIds, NextItemCases, Sessions

__all__ = [
    "BASELINES",
    "DEFAULT_MODEL",
    "MODELS",
    "EmptyData",
    "EngineError",
    "Evaluation",
    "ItemIds",
    "NextItemCases",
    "NotFitted",
    "Ranking",
    "Recommendation",
    "Recommender",
    "Sessions",
    "UnknownModel",
    "create",
    "evaluate",
    "served",
    "validation_split",
]
