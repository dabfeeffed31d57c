"""Whole numbers in query and path parameters: ASCII digits only, within bounds, or 422.

`str.isdigit` and `int` accept more than ASCII: `"²".isdigit()` is true yet `int("²")`
raises, and `int("٣")` is 3. Every integer parameter of the API is read here instead.
"""

from __future__ import annotations

from widget.platform.responses import ApiError


def ascii_digits(raw: str) -> bool:
    return raw.isascii() and raw.isdigit()


def bounded_int(raw: str, name: str, minimum: int, maximum: int) -> int:
    """`raw` as an int in [minimum, maximum]; `ApiError` 422 naming `name` otherwise."""
    if not ascii_digits(raw) or len(raw) > 18 or not minimum <= int(raw) <= maximum:
        raise ApiError(422, "invalid_parameter", f"{name} must be {minimum} to {maximum}", name)
    return int(raw)
