"""What the store remembers of a shop's trainings: one small hash per shop.

Written only through a held `TrainingLock` (`lock.py`), read by the scheduler and the
dashboard. Times are seconds since the epoch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.training import TrainingResult
from tracker import keys as tracker_keys
from widget.retraining import keys


@dataclass(frozen=True)
class TrainingStatus:
    """A shop's last attempt (when it started, why, and the stream's entries-added counter
    then), its last success and last failure, and when the next attempt may start."""

    attempted_at: float | None = None
    trigger: str = ""
    entries_at_attempt: int = 0
    succeeded_at: float | None = None
    version: str = ""
    events: int = 0
    seconds: float = 0.0
    failed_at: float | None = None
    reason: str = ""
    failures: int = 0
    next_attempt_at: float | None = None

    @classmethod
    def from_hash(cls, found: dict[str, str]) -> TrainingStatus:
        def time(name: str) -> float | None:
            return float(found[name]) if found.get(name) else None

        return cls(
            attempted_at=time("attempted_at"),
            trigger=found.get("trigger", ""),
            entries_at_attempt=int(found.get("entries_at_attempt") or 0),
            succeeded_at=time("succeeded_at"),
            version=found.get("version", ""),
            events=int(found.get("events") or 0),
            seconds=float(found.get("seconds") or 0),
            failed_at=time("failed_at"),
            reason=found.get("reason", ""),
            failures=int(found.get("failures") or 0),
            next_attempt_at=time("next_attempt_at"),
        )

    @property
    def last_failed(self) -> bool:
        """The last attempt failed (a later success clears `failures`)."""
        return self.failures > 0


@dataclass(frozen=True)
class Attempt:
    """One training attempt: when it started, why, and the entries-added counter then."""

    started_at: float
    trigger: str
    entries: int

    def fields(self) -> dict[str, str]:
        return {
            "attempted_at": repr(self.started_at),
            "trigger": self.trigger,
            "entries_at_attempt": str(self.entries),
        }


def success_fields(
    result: TrainingResult, at: float, next_attempt_at: float | None
) -> dict[str, str]:
    return {
        "succeeded_at": repr(at),
        "version": result.version,
        "events": str(result.events),
        "seconds": f"{result.seconds:.3f}",
        "failures": "0",
        "next_attempt_at": "" if next_attempt_at is None else repr(next_attempt_at),
    }


def failure_fields(reason: str, at: float, failures: int, next_attempt_at: float) -> dict[str, str]:
    return {
        "failed_at": repr(at),
        "reason": reason,
        "failures": str(failures),
        "next_attempt_at": repr(next_attempt_at),
    }


async def read_status(redis: Any, shop: str) -> TrainingStatus:
    return TrainingStatus.from_hash(await redis.hgetall(keys.status(shop)))


async def entries_added(redis: Any, shop: str) -> int:
    """Requests of events ever accepted into the shop's stream (XINFO STREAM, Redis 7+)."""
    try:
        info = await redis.xinfo_stream(tracker_keys.event_stream(shop))
    except Exception as error:  # no stream yet: redis-py's ResponseError "no such key"
        if "no such key" in str(error).lower():
            return 0
        raise
    return int(info.get("entries-added", 0))
