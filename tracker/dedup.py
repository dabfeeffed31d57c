"""De-duplication of event ids over a window, in sets that expire by time.

An accepted event id is remembered as a 12-byte digest in the set of the time bucket it
was received in; a bucket is an eighth of the window and expires once the window has
passed its end. A batch is checked against every bucket the window covers, and the next
one (servers whose clocks differ a little), so an id is caught for at least the window and
at most the window plus a bucket. A digest costs about 38 bytes of store memory (Valkey
8.1), against about 100 for an id in a sorted set; two ids share a digest with odds of
about n^2 / 2^97 for n ids in a window.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

DIGEST_BYTES = 12
BUCKETS_PER_WINDOW = 8


def digest(event_id: str) -> bytes:
    return hashlib.blake2b(event_id.encode(), digest_size=DIGEST_BYTES).digest()


@dataclass(frozen=True)
class DedupWindow:
    """Ids are caught for `window_ms` after they were received."""

    window_ms: int

    def __post_init__(self) -> None:
        if self.window_ms <= 0:
            raise ValueError(f"the de-duplication window must be positive, got {self.window_ms}")

    @property
    def bucket_ms(self) -> int:
        return max(1000, -(-self.window_ms // BUCKETS_PER_WINDOW))

    def bucket(self, now_ms: int) -> int:
        """The start (ms) of the bucket that ids received at `now_ms` go to."""
        return now_ms - now_ms % self.bucket_ms

    def checked(self, now_ms: int) -> list[int]:
        """The starts of the buckets an id received at `now_ms` is looked for in, the
        current one first."""
        current = self.bucket(now_ms)
        oldest = self.bucket(now_ms - self.window_ms)
        older = range(current - self.bucket_ms, oldest - 1, -self.bucket_ms)
        return [current, *older, current + self.bucket_ms]

    def expires_at(self, start_ms: int) -> int:
        """When (unix ms) the bucket starting at `start_ms` is no longer looked at."""
        return start_ms + self.bucket_ms + self.window_ms
