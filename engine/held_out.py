"""A shop's own offline figures, measured as it is trained: the served model fitted on its
browsing sessions but those of the last days, and judged on those.

The protocol of `engine.evaluation` (each prefix of a held-out session and the item that
followed it; HR@20, MRR@20, coverage and long-tail share at 20), on the shop's own data
instead of a public benchmark, with popularity beside it as the baseline any model must
beat. The held-out sessions are those that started within `TEST_DAYS` of the shop's last
browsing event. At most `MAX_CASES` cases, evenly spread over them, keep a large shop's
training time bounded, and the models learn from at most the `MAX_TRAIN_SESSIONS` sessions
before them: fitting the served model on two million sessions took 2.6 GB more, and its
recency weights (sessions fade over 150,000 and 100,000 sessions) leave older ones a
weight of a few hundredths at most. Without enough data the result has a reason and no
figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from engine.evaluation import Evaluation, evaluate
from engine.event_rows import PURCHASE
from engine.interactions import EventTable
from engine.models import DEFAULT_MODEL, create
from engine.sessions import NextItemCases, Sessions

TEST_DAYS = 7.0
MAX_CASES = 5_000
MAX_TRAIN_SESSIONS = 500_000
BASELINE = "pop"
_DAY_S = 86_400.0

NoFigures = Literal["no_recent_sessions", "no_earlier_sessions", "no_cases"]


@dataclass(frozen=True)
class HeldOutEvaluation:
    """The figures of the served model and the baseline on the held-out sessions, or the
    reason there are none."""

    test_days: float
    train_sessions: int
    test_sessions: int
    cases: int
    models: tuple[Evaluation, ...] = ()
    reason: NoFigures | None = None

    def as_metadata(self) -> dict[str, Any]:
        """As the models' metadata keeps it (JSON): `models` are `evaluate --json` records."""
        return {
            "test_days": self.test_days,
            "train_sessions": self.train_sessions,
            "test_sessions": self.test_sessions,
            "cases": self.cases,
            "models": [model.as_record() for model in self.models],
            "reason": self.reason,
        }


def recent_sessions(table: EventTable, days: float = TEST_DAYS) -> int:
    """How many browsing sessions started within `days` of the last browsing event: the
    last ones of `Interactions.sessions`, which orders sessions by their first event."""
    browsing = table.kinds != PURCHASE
    if not browsing.any():
        return 0
    times = table.times[browsing]
    _, group = np.unique(table.sessions[browsing], return_inverse=True)
    group = group.ravel()
    first = np.full(group.max() + 1, np.inf)
    np.minimum.at(first, group, times)
    return int((first >= times.max() - days * _DAY_S).sum())


def _spread(cases: NextItemCases, most: int) -> NextItemCases:
    if len(cases) <= most:
        return cases
    chosen = np.unique(np.linspace(0, len(cases) - 1, most).round().astype(np.int64))
    return NextItemCases(cases.prefixes.select(chosen), cases.targets[chosen])


def held_out_evaluation(
    sessions: Sessions,
    n_items: int,
    recent: int,
    test_days: float = TEST_DAYS,
    max_cases: int = MAX_CASES,
    max_train_sessions: int = MAX_TRAIN_SESSIONS,
) -> HeldOutEvaluation:
    """Fit the served model and the baseline on the sessions before the last `recent` of
    `sessions` (item indices < n_items, ordered by start; at most `max_train_sessions`, the
    latest) and measure them on every prefix of those."""
    cut = len(sessions) - recent
    train = sessions.select(np.arange(max(cut - max_train_sessions, 0), cut))
    cases = NextItemCases.from_sessions(sessions.select(np.arange(cut, len(sessions))))
    sizes = (test_days, len(train), recent)
    if recent == 0:
        return HeldOutEvaluation(*sizes, 0, reason="no_recent_sessions")
    if cut == 0:
        return HeldOutEvaluation(*sizes, len(cases), reason="no_earlier_sessions")
    if len(cases) == 0:
        return HeldOutEvaluation(*sizes, 0, reason="no_cases")
    cases = _spread(cases, max_cases)
    models = tuple(
        evaluate(create(name), train, n_items, cases) for name in (DEFAULT_MODEL, BASELINE)
    )
    return HeldOutEvaluation(*sizes, len(cases), models)
