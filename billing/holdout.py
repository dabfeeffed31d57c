"""Holdout assignment by a keyed hash, and the exposure of record (the first, ever).

The arm is a pure function of the store's secret, the shop and the visitor, so every
process agrees without coordination; the exposure hash then fixes it for good, so a later
change of the holdout share never moves a visitor who was already counted.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

import orjson

from billing import keys
from billing.sufficient import Arm

_SHA256_BLOCK = 64
_INNER_PAD = bytes(byte ^ 0x36 for byte in range(256))
_OUTER_PAD = bytes(byte ^ 0x5C for byte in range(256))


class ArmAssigner:
    """The arms of one secret, its HMAC keyed once rather than for every visitor."""

    def __init__(self, secret: bytes) -> None:
        # HMAC-SHA256 as RFC 2104 defines it, from the hash states after the padded key:
        # copying them is several times cheaper than `hmac.new` or an `HMAC.copy()`.
        if len(secret) > _SHA256_BLOCK:
            secret = hashlib.sha256(secret).digest()
        key = secret.ljust(_SHA256_BLOCK, b"\x00")
        self._inner = hashlib.sha256(key.translate(_INNER_PAD))
        self._outer = hashlib.sha256(key.translate(_OUTER_PAD))

    def unit(self, shop: str, anonymous_id: str) -> float:
        """Uniform in [0, 1): the first 64 bits of HMAC-SHA256 over the shop and the visitor."""
        # NUL cannot appear in either id, so distinct pairs never give the same message
        inner = self._inner.copy()
        inner.update(f"{shop}\x00{anonymous_id}".encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return int.from_bytes(outer.digest()[:8], "big") / 2**64

    def arm(self, shop: str, anonymous_id: str, holdout_share: float) -> Arm:
        if not 0 < holdout_share < 1:
            raise ValueError(f"holdout_share must be within 0 and 1, got {holdout_share}")
        return "holdout" if self.unit(shop, anonymous_id) < holdout_share else "treatment"


def assign_arm(secret: bytes, shop: str, anonymous_id: str, holdout_share: float) -> Arm:
    return ArmAssigner(secret).arm(shop, anonymous_id, holdout_share)


def exposure_record(arm: Arm, at: datetime.datetime) -> bytes:
    """The stored form of an exposure: JSON {"arm", "at"}, `at` as its `isoformat()`."""
    # orjson writes a datetime as `isoformat()` does, several times faster.
    return orjson.dumps({"arm": arm, "at": at})


async def record_exposure(
    redis: Any, shop: str, anonymous_id: str, arm: Arm, at: datetime.datetime
) -> Arm:
    """Record the visitor's first exposure; returns the arm of record (the first one wins).

    The recommendations path does the same in its one call per request
    (widget/recommendations/visitor.lua).
    """
    key = keys.exposures(shop)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hsetnx(key, anonymous_id, exposure_record(arm, at))
        pipe.hget(key, anonymous_id)
        return exposure_arm((await pipe.execute())[1])


def exposure_arm(record: str | bytes) -> Arm:
    arm: Arm = orjson.loads(record)["arm"]
    return arm
