"""Redis key names of the widget's live state, built only here (see tracker.keys)."""

from __future__ import annotations

from tracker.keys import shop_key

LIVE_GROUP = "live"
# The key of the holdout's keyed hash: who is in the holdout must not be guessable.
HOLDOUT_SECRET = "bl:secrets:holdout"


def session_items(shop: str, session_id: str) -> str:
    """List of the product ids a session touched, newest first."""
    return shop_key(shop, f"session:{session_id}")


def bought(shop: str, anonymous_id: str) -> str:
    """Sorted set product id -> time of purchase (ms) of a visitor."""
    return shop_key(shop, f"bought:{anonymous_id}")


def daily_views(shop: str, day: str) -> str:
    """Sorted set product id -> interest on `day` (YYYYMMDD, UTC), for trending."""
    return shop_key(shop, f"views:{day}")


def trending(shop: str) -> str:
    """The last week's interest, decayed by day, recomputed at most once a minute."""
    return shop_key(shop, "trending")


def placement_requests(shop: str, hour: str) -> str:
    """Hash placement -> recommendation requests in `hour` (YYYYMMDDHH, UTC)."""
    return shop_key(shop, f"placements:requests:{hour}")
