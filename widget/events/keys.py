"""Redis key names of the visitors' live state, built only here (see tracker.keys).

The live-state consumer writes them from the event stream; recommendations read them.
"""

from __future__ import annotations

from tracker.keys import shop_key

LIVE_GROUP = "live"


def session_items(shop: str, session_id: str) -> str:
    """List of the product ids a session touched, newest first."""
    return shop_key(shop, f"session:{session_id}")


def bought(shop: str, anonymous_id: str) -> str:
    """Sorted set product id -> time of purchase (ms) of a visitor."""
    return shop_key(shop, f"bought:{anonymous_id}")


def daily_views(shop: str, day: str) -> str:
    """Sorted set product id -> interest on `day` (YYYYMMDD, UTC), for trending."""
    return shop_key(shop, f"views:{day}")
