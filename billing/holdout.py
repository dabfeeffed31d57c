"""Holdout assignment by a keyed hash, and the exposure of record.

The arm is a pure function of the store's secret, the shop and the visitor, so every
process agrees without coordination; the exposure hash then fixes it for as long as the
visitor keeps coming back, so a later change of the holdout share never moves a visitor
who was already counted. An exposure unseen for the lifetime the server is configured
with expires (widget/recommendations/visitor.lua); the visitor, back later, is assigned
again by the same keyed hash.

A visitor counts for billing from the server's record of their exposure, once a day
(`exposure_event`, appended to the shop's event stream), never from what a client sends.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import os
import uuid
from typing import Any

import orjson

from billing import keys
from billing.contract_store import contract_in_force
from billing.contracts import Contract
from billing.errors import NoContractInForce
from billing.periods import Period
from billing.sufficient import Arm
from tracker.schema import EXPOSURE_RECORDED, format_timestamp

DEFAULT_HOLDOUT_SHARE = float(
    next(field.default for field in dataclasses.fields(Contract) if field.name == "holdout_share")  # type: ignore[arg-type]
)

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


def exposure_event(shop: str, anonymous_id: str, session_id: str, at: datetime.datetime) -> bytes:
    """The stream's record of a visitor seen by the server: an event of the server-only type
    `Exposure Recorded`, in the stream's event form (tracker.schema.Event); the arm is the
    exposure hash's."""
    moment = format_timestamp(at)
    return orjson.dumps(
        {
            "event_id": str(uuid.UUID(bytes=os.urandom(16), version=4)),
            "type": EXPOSURE_RECORDED,
            "shop": shop,
            "anonymous_id": anonymous_id,
            "session_id": session_id,
            "timestamp": moment,
            "received_at": moment,
            "properties": {},
            "context": {"source": "server"},
            "bot": False,
        }
    )


async def holdout_share_in_force(redis: Any, shop: str, day: datetime.date) -> float:
    """The holdout share that assigns the shop's visitors on `day`: the contract's in force,
    the contract default when the shop has none."""
    try:
        contract = await contract_in_force(redis, shop, Period.of(day))
    except NoContractInForce:
        return DEFAULT_HOLDOUT_SHARE
    return contract.holdout_share


async def record_exposure(
    redis: Any, shop: str, anonymous_id: str, arm: Arm, at: datetime.datetime
) -> Arm:
    """Record the visitor's first exposure; returns the arm of record (the first one wins).

    The recommendations path does the same in its one call per request, and also appends
    the day's `exposure_event` (widget/recommendations/visitor.lua).
    """
    key = keys.exposures(shop)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hsetnx(key, anonymous_id, exposure_record(arm, at))
        pipe.hget(key, anonymous_id)
        return exposure_arm((await pipe.execute())[1])


def exposure_arm(record: str | bytes) -> Arm:
    arm: Arm = orjson.loads(record)["arm"]
    return arm
