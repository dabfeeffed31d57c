"""When a shop is trained again: the policy and the decision, pure functions of the status.

A shop is due when `every_s` passed since its last attempt (since its creation before the
first) and anything arrived since, or when `after_entries` requests of events were
accepted since then: the stream's `entries-added` counter, which the store keeps anyway,
so counting costs ingestion nothing (a request carries one or more events, so at least
that many events arrived).
After a failure neither counts: the next attempt waits a back-off that doubles from 15
minutes up to 6 hours, and a success resets it.
"""

from __future__ import annotations

from dataclasses import dataclass

from widget.platform.settings import Settings
from widget.retraining.status import TrainingStatus

BACKOFF_FIRST_S = 15 * 60
BACKOFF_MAX_S = 6 * 3600


@dataclass(frozen=True)
class RetrainPolicy:
    """`every_s`: seconds between attempts; `after_entries`: accepted requests that make a
    shop due sooner; 0 turns either off."""

    every_s: float = 24 * 3600
    after_entries: int = 50_000

    @classmethod
    def from_settings(cls, settings: Settings) -> RetrainPolicy:
        return cls(settings.retrain_every_hours * 3600, settings.retrain_after_events)

    @property
    def enabled(self) -> bool:
        return bool(self.every_s or self.after_entries)

    def next_after_success(self, attempted_at: float) -> float | None:
        return attempted_at + self.every_s if self.every_s else None


def backoff_s(failures: int) -> float:
    """The wait before the next attempt after `failures` failures in a row (1 or more)."""
    return float(min(BACKOFF_FIRST_S * 2 ** min(failures - 1, 30), BACKOFF_MAX_S))


def new_entries(status: TrainingStatus, entries_added: int) -> int:
    """Requests accepted since the last attempt; a stream made anew counts from zero."""
    if entries_added < status.entries_at_attempt:
        return entries_added
    return entries_added - status.entries_at_attempt


def due(
    policy: RetrainPolicy,
    status: TrainingStatus,
    created_at: float,
    entries_added: int,
    now: float,
) -> str | None:
    """Why the shop should be trained now, or None if it should not."""
    if status.last_failed:
        if status.next_attempt_at is None or now >= status.next_attempt_at:
            return f"retry after {status.failures} failure{'s' if status.failures > 1 else ''}"
        return None
    arrived = new_entries(status, entries_added)
    if not arrived:
        return None  # the same events would train the same models
    if policy.after_entries and arrived >= policy.after_entries:
        return f"{arrived:,} requests of events since the last attempt"
    since = status.attempted_at if status.attempted_at is not None else created_at
    if policy.every_s and now - since >= policy.every_s:
        return f"{(now - since) / 3600:.1f} h since the last attempt"
    return None
