from __future__ import annotations

import asyncio
import datetime
import hashlib
import hmac
from typing import Any

import orjson
import pytest
from scipy import stats

from billing import Arm
from billing.holdout import ArmAssigner, assign_arm, exposure_record, record_exposure

SECRET = b"0123456789abcdef0123456789abcdef"
AT = datetime.datetime(2026, 10, 3, 12, tzinfo=datetime.UTC)


def test_assignment_is_stable_and_keyed() -> None:
    arms = [assign_arm(SECRET, "shop-1", f"v{i}", 0.5) for i in range(200)]
    assert arms == [assign_arm(SECRET, "shop-1", f"v{i}", 0.5) for i in range(200)]
    assert arms != [assign_arm(b"another secret", "shop-1", f"v{i}", 0.5) for i in range(200)]


def test_golden_assignments() -> None:
    # pinned: a change of the hash would move every visitor of every shop
    arms = "".join(assign_arm(SECRET, "shop-1", f"v{i}", 0.5)[0] for i in range(12))
    assert arms == "htttttthhttt"


@pytest.mark.parametrize("secret", [b"", SECRET, SECRET * 2, SECRET * 2 + b"!", SECRET * 9])
def test_assignment_units_are_hmac_sha256(secret: bytes) -> None:
    digest = hmac.new(secret, b"shop-1\x00v1", hashlib.sha256).digest()
    assert ArmAssigner(secret).unit("shop-1", "v1") == int.from_bytes(digest[:8], "big") / 2**64


def test_share_is_binomial_on_100k_visitors() -> None:
    holdout = sum(assign_arm(SECRET, "shop-1", f"v{i}", 0.1) == "holdout" for i in range(100_000))
    low, high = stats.binom.ppf([0.0005, 0.9995], 100_000, 0.1)
    assert low <= holdout <= high


def test_a_share_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError):
        assign_arm(SECRET, "shop-1", "v1", 1.0)


@pytest.mark.parametrize(
    "at",
    [
        AT,
        AT.replace(microsecond=123),
        AT.astimezone(datetime.timezone(-datetime.timedelta(hours=5))),
    ],
)
def test_an_exposure_records_its_time_in_iso_format(at: datetime.datetime) -> None:
    assert orjson.loads(exposure_record("holdout", at)) == {"arm": "holdout", "at": at.isoformat()}


@pytest.mark.anyio
async def test_first_exposure_wins(store: Any) -> None:
    assert await record_exposure(store, "shop-1", "v1", "holdout", AT) == "holdout"
    assert await record_exposure(store, "shop-1", "v1", "treatment", AT) == "holdout"


@pytest.mark.anyio
async def test_racing_first_exposures_agree(store: Any) -> None:
    arms: list[Arm] = ["treatment", "holdout"] * 20
    found = await asyncio.gather(*(record_exposure(store, "s", "v", arm, AT) for arm in arms))
    assert set(found) == {"treatment"}
