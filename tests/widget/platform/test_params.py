from __future__ import annotations

import pytest

from widget.platform.params import bounded_int
from widget.platform.responses import ApiError


@pytest.mark.parametrize("raw", ["", "0", "101", "\u00b2", "\u0663", "-1", "+5", " 5", "1e2"])
def test_only_ascii_digits_within_bounds_are_numbers(raw: str) -> None:
    with pytest.raises(ApiError) as refused:
        bounded_int(raw, "limit", 1, 100)
    assert (refused.value.status, refused.value.field) == (422, "limit")


def test_a_number_within_bounds_is_read() -> None:
    assert bounded_int("07", "limit", 1, 100) == 7
