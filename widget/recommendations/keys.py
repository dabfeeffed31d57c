"""Redis key names of serving recommendations, built only here (see tracker.keys)."""

from __future__ import annotations

from tracker.keys import shop_key

# The key of the holdout's keyed hash: who is in the holdout must not be guessable.
HOLDOUT_SECRET = "bl:secrets:holdout"


def trending(shop: str) -> str:
    """The last week's interest, decayed by day, recomputed at most once a minute."""
    return shop_key(shop, "trending")


def placement_requests(shop: str, hour: str) -> str:
    """Hash placement -> recommendation requests in `hour` (YYYYMMDDHH, UTC)."""
    return shop_key(shop, f"placements:requests:{hour}")
