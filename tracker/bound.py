"""A bounded stream: a hot window kept, trimmed only below what every group acknowledged.

`bound_stream` is called now and then by the archiver for each stream it archives (a
shop's events and order log); `bound.lua` does the work in one atomic step, and also
removes the consumers that died once what they held was claimed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

_SCRIPT = files("tracker").joinpath("bound.lua").read_text()


@dataclass(frozen=True)
class Bounded:
    trimmed: int
    consumers_removed: int


async def bound_stream(
    redis: Any,
    stream: str,
    hot_window_ms: int,
    dead_after_ms: int,
    required_groups: Sequence[str],
) -> Bounded:
    """Trim entries of `stream` older than `hot_window_ms` that every consumer group has
    acknowledged, unless one of `required_groups` does not exist yet; remove consumers idle
    for `dead_after_ms` with nothing pending. `redis` is a redis.asyncio client."""
    script = redis.register_script(_SCRIPT)
    reply = await script(keys=[stream], args=[hot_window_ms, dead_after_ms, *required_groups])
    return Bounded(int(reply[0]), int(reply[1]))
