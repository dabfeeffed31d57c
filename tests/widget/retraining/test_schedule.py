"""When a shop is due: the time and event-count triggers, their switches, and the back-off."""

from __future__ import annotations

from widget.retraining import RetrainPolicy, TrainingStatus, due
from widget.retraining.schedule import backoff_s

HOUR = 3600.0
CREATED = 1_000_000.0
DAILY = RetrainPolicy(every_s=24 * HOUR, after_entries=0)
BY_COUNT = RetrainPolicy(every_s=0, after_entries=100)
NEVER = TrainingStatus()


def test_time_counts_from_the_creation_before_the_first_attempt() -> None:
    assert due(DAILY, NEVER, CREATED, 5, CREATED + 24 * HOUR - 1) is None
    assert due(DAILY, NEVER, CREATED, 5, CREATED + 24 * HOUR) == "24.0 h since the last attempt"


def test_time_counts_from_the_last_attempt() -> None:
    status = TrainingStatus(attempted_at=CREATED + 50 * HOUR, entries_at_attempt=5)
    assert due(DAILY, status, CREATED, 6, CREATED + 73 * HOUR) is None
    assert due(DAILY, status, CREATED, 6, CREATED + 74 * HOUR) is not None


def test_nothing_new_is_never_due() -> None:
    status = TrainingStatus(attempted_at=CREATED, entries_at_attempt=5)
    assert due(DAILY, status, CREATED, 5, CREATED + 1000 * HOUR) is None
    assert due(DAILY, NEVER, CREATED, 0, CREATED + 1000 * HOUR) is None


def test_enough_new_requests_make_a_shop_due_before_its_time() -> None:
    status = TrainingStatus(attempted_at=CREATED, entries_at_attempt=40)
    assert due(BY_COUNT, status, CREATED, 139, CREATED + 1) is None
    assert due(BY_COUNT, status, CREATED, 140, CREATED + 1) == (
        "100 requests of events since the last attempt"
    )


def test_a_stream_made_anew_counts_from_zero() -> None:
    status = TrainingStatus(attempted_at=CREATED, entries_at_attempt=5_000)
    assert due(BY_COUNT, status, CREATED, 99, CREATED + 1) is None
    assert due(BY_COUNT, status, CREATED, 100, CREATED + 1) is not None


def test_zero_turns_each_trigger_off() -> None:
    assert due(BY_COUNT, NEVER, CREATED, 99, CREATED + 1000 * HOUR) is None
    assert due(DAILY, NEVER, CREATED, 10**9, CREATED + 1) is None
    assert not RetrainPolicy(every_s=0, after_entries=0).enabled


def test_after_a_failure_only_the_back_off_decides() -> None:
    failed = TrainingStatus(
        attempted_at=CREATED, entries_at_attempt=0, failures=2, next_attempt_at=CREATED + 1800
    )
    assert due(BY_COUNT, failed, CREATED, 10**6, CREATED + 1799) is None
    assert due(BY_COUNT, failed, CREATED, 10**6, CREATED + 1800) == "retry after 2 failures"


def test_the_back_off_doubles_up_to_six_hours() -> None:
    assert [backoff_s(n) / 60 for n in (1, 2, 3, 4, 5, 6, 7, 100)] == [
        15,
        30,
        60,
        120,
        240,
        360,
        360,
        360,
    ]
