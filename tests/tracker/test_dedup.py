from __future__ import annotations

import pytest

from tracker.dedup import DedupWindow, digest

HOUR_MS = 3_600_000


def test_a_bucket_is_an_eighth_of_the_window() -> None:
    window = DedupWindow(48 * HOUR_MS)
    assert window.bucket_ms == 6 * HOUR_MS
    assert window.bucket(13 * HOUR_MS + 5) == 12 * HOUR_MS


def test_the_buckets_checked_cover_the_window_and_the_next_one() -> None:
    window = DedupWindow(48 * HOUR_MS)
    checked = window.checked(50 * HOUR_MS)
    assert checked[0] == 48 * HOUR_MS
    assert sorted(checked) == [hours * HOUR_MS for hours in range(0, 60, 6)]


def test_a_bucket_expires_once_the_window_passed_its_end() -> None:
    window = DedupWindow(48 * HOUR_MS)
    assert window.expires_at(12 * HOUR_MS) == (12 + 6 + 48) * HOUR_MS


def test_an_id_written_is_looked_for_until_the_window_has_passed() -> None:
    window = DedupWindow(60_000)
    for written in (0, 7_499, 7_500, 123_456):
        bucket = window.bucket(written)
        for later in (written, written + 30_000, written + 60_000):
            assert bucket in window.checked(later)
        assert window.expires_at(bucket) >= written + 60_000


def test_a_digest_has_twelve_bytes() -> None:
    assert len(digest("0f8e4c1a-6d55-4c1c-9b7e-2d2b8d7f0c11")) == 12
    assert digest("a") != digest("b")


def test_the_window_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        DedupWindow(0)
