"""Holdout assignment by a keyed hash, and the exposure of record (the first, ever).

The arm is a pure function of the store's secret, the shop and the visitor, so every
process agrees without coordination; the exposure hash then fixes it for good, so a later
change of the holdout share never moves a visitor who was already counted.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from typing import Any

import orjson

from billing import keys
from billing.sufficient import Arm


def assignment_unit(secret: bytes, shop: str, anonymous_id: str) -> float:
    """Uniform in [0, 1): the first 64 bits of HMAC-SHA256 over the shop and the visitor."""
    # NUL cannot appear in either id, so distinct pairs never give the same message
    message = f"{shop}\x00{anonymous_id}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_arm(secret: bytes, shop: str, anonymous_id: str, holdout_share: float) -> Arm:
    if not 0 < holdout_share < 1:
        raise ValueError(f"holdout_share must be within 0 and 1, got {holdout_share}")
    unit = assignment_unit(secret, shop, anonymous_id)
    return "holdout" if unit < holdout_share else "treatment"


def exposure_record(arm: Arm, at: datetime.datetime) -> bytes:
    """The stored form of an exposure: JSON {"arm", "at"}."""
    return orjson.dumps({"arm": arm, "at": at.isoformat()})


async def record_exposure(
    redis: Any, shop: str, anonymous_id: str, arm: Arm, at: datetime.datetime
) -> Arm:
    """Record the visitor's first exposure; returns the arm of record (the first one wins).

    The recommendations path does the same in its one call per request (widget/visitor.lua).
    """
    key = keys.exposures(shop)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hsetnx(key, anonymous_id, exposure_record(arm, at))
        pipe.hget(key, anonymous_id)
        return exposure_arm((await pipe.execute())[1])


def exposure_arm(record: str | bytes) -> Arm:
    arm: Arm = orjson.loads(record)["arm"]
    return arm
