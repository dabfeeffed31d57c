"""The engine's errors.

EngineError
 ├── EmptyData      a file or event stream had nothing to learn from or evaluate
 ├── UnknownModel   a model name that the registry does not know
 ├── NotFitted      a recommender was asked for recommendations before `fit`
 └── IncompleteModel  a model version in the store lacks chunks or fails its digest
"""

from __future__ import annotations


class EngineError(Exception):
    """Base of every error raised by `engine`."""


class EmptyData(EngineError):
    """There is nothing to learn from or to evaluate."""


class UnknownModel(EngineError, KeyError):
    """The model name is not in the registry."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown model"


class NotFitted(EngineError):
    """The recommender has not been fitted yet."""


class IncompleteModel(EngineError):
    """A model version in the store is not whole: never finished, deleted, or damaged."""
