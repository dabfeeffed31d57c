"""The evaluation protocol on the real yoochoose sample."""

from __future__ import annotations

import pytest

from engine.evaluation import evaluate, rank_cases, validation_split
from engine.models import create
from engine.sessions import ItemIds, NextItemCases, Sessions

Data = tuple[ItemIds, Sessions, NextItemCases]


def test_every_next_click_of_the_test_sessions_is_a_case(yoochoose: Data) -> None:
    # 13,568 test clicks in 3,416 sessions: one case per click after the first.
    assert len(yoochoose[2]) == 13_568 - 3_416


def test_ranked_lists_are_full_and_distinct(yoochoose: Data) -> None:
    item_ids, train, cases = yoochoose
    model = create("vsknn").fit(train, len(item_ids))
    ranked = rank_cases(model, cases, batch_size=3000)
    assert ranked.shape == (len(cases), 20) and (ranked >= 0).all()
    assert all(len(set(row)) == 20 for row in ranked[:200].tolist())


def test_session_models_beat_popularity(yoochoose: Data) -> None:
    item_ids, train, cases = yoochoose
    pop = evaluate(create("pop"), train, len(item_ids), cases)
    served = evaluate(create("basketlift"), train, len(item_ids), cases)
    assert pop.hr < 0.1 < 0.4 < served.hr and served.mrr > pop.mrr
    assert pop.coverage == pytest.approx(20 / len(item_ids))
    assert served.tail_share > pop.tail_share == 0.0


def test_validation_is_carved_from_the_end_of_training(yoochoose: Data) -> None:
    _, train, _ = yoochoose
    fit_on, cases = validation_split(train, share=0.1)
    assert len(fit_on) == round(0.9 * len(train))
    held_out = train.select(range(len(fit_on), len(train)))
    assert len(cases) == (held_out.lengths - 1).clip(0).sum()
