"""Whole numbers in parameters and JSON bodies: ASCII digits only, within bounds, or 422.

`str.isdigit` and `int` accept more than ASCII: `"²".isdigit()` is true yet `int("²")`
raises, and `int("٣")` is 3. Every integer parameter of the API is read here instead.
"""

from __future__ import annotations

from typing import Any

from widget.platform.responses import ApiError


def ascii_digits(raw: str) -> bool:
    return raw.isascii() and raw.isdigit()


def bounded_int(raw: str, name: str, minimum: int, maximum: int) -> int:
    """`raw` as an int in [minimum, maximum]; `ApiError` 422 naming `name` otherwise."""
    if not ascii_digits(raw) or len(raw) > 18 or not minimum <= int(raw) <= maximum:
        raise ApiError(422, "invalid_parameter", f"{name} must be {minimum} to {maximum}", name)
    return int(raw)


def json_whole(value: Any) -> Any:
    """`value`, as an int when it is a whole float: JSON has one kind of number, and 2.0
    is the whole number 2, as JSON Schema's "integer"."""
    return int(value) if isinstance(value, float) and value.is_integer() else value
