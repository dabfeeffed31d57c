"""A shop's own held-out figures: the split by session start and known answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.held_out import held_out_evaluation, recent_sessions
from engine.interactions import EventTable, Interactions
from engine.sessions import Sessions
from tests.conftest import make_event
from tests.engine.test_interactions import as_event
from tracker.schema import format_timestamp

LAST = datetime(2026, 11, 23, 10, tzinfo=UTC)


def viewed(session: str, product: str, at: datetime) -> dict[str, object]:
    event = make_event(product_id=product)
    return event | {"session_id": session, "timestamp": format_timestamp(at)}


def test_the_held_out_sessions_are_those_started_in_the_last_days() -> None:
    events = [
        viewed("old", "A", LAST - timedelta(days=9)),
        viewed("old", "B", LAST - timedelta(days=1)),  # started before the cut: trained on
        viewed("edge", "A", LAST - timedelta(days=7)),  # exactly 7 days before the last
        viewed("new", "B", LAST),
    ]
    table = EventTable.from_events([as_event(e) for e in events])
    assert recent_sessions(table) == 2
    data = Interactions.build(table)
    # the last two sessions by start are "edge" and "new"
    assert [data.item_ids.external(data.sessions[s]) for s in (1, 2)] == [["A"], ["B"]]


def test_the_served_model_finds_what_always_follows() -> None:
    # 1 always follows 0, and 4 follows 3, in the earlier sessions; held out: 0 -> 1,
    # 3 -> 4, and 2 alone (no case)
    earlier = [[0, 1, 2], [3, 4, 5], [0, 1, 5], [3, 4, 2]] * 10
    sessions = Sessions.from_lists([*earlier, [0, 1], [3, 4], [2]])
    found = held_out_evaluation(sessions, 6, recent=3)
    assert (found.train_sessions, found.test_sessions, found.cases) == (40, 3, 2)
    served, baseline = found.models
    assert (served.model, served.hr, served.mrr, served.cases) == ("basketlift", 1.0, 1.0, 2)
    assert baseline.model == "pop" and found.reason is None


def test_the_models_learn_from_the_latest_sessions_before_the_held_out_ones() -> None:
    # Long ago 5 was viewed most; lately 1 is. Popularity over the latest 8 sessions ranks 1
    # above 5, over all of them below.
    sessions = Sessions.from_lists([[0, 5]] * 30 + [[0, 1]] * 8 + [[0, 1]])
    everything = held_out_evaluation(sessions, 6, recent=1)
    latest = held_out_evaluation(sessions, 6, recent=1, max_train_sessions=8)
    assert (everything.train_sessions, latest.train_sessions) == (38, 8)
    assert everything.models[1].mrr < latest.models[1].mrr


def test_without_enough_data_the_figures_say_why() -> None:
    sessions = Sessions.from_lists([[0, 1]] * 5 + [[2]])
    assert held_out_evaluation(sessions, 3, recent=0).reason == "no_recent_sessions"
    assert held_out_evaluation(sessions, 3, recent=6).reason == "no_earlier_sessions"
    single = held_out_evaluation(sessions, 3, recent=1)
    assert (single.reason, single.cases, single.models) == ("no_cases", 0, ())


def test_at_most_max_cases_evenly_spread() -> None:
    earlier = [[0, 1, 2], [3, 4, 5], [0, 1, 5], [3, 4, 2]] * 10
    sessions = Sessions.from_lists([*earlier, *[[0, 1, 2, 3, 4, 5]] * 10])
    found = held_out_evaluation(sessions, 6, recent=10, max_cases=7)
    assert found.cases == 7 and found.models[0].cases == 7
    assert found.as_metadata()["models"][0]["model"] == "basketlift"
