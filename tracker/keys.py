"""Redis key names of the tracker, built only here.

Every key of a shop carries the shop id in a hash tag (`bl:{shop}:...`) so that a Redis
Cluster keeps all of a shop's keys on one slot and its Lua scripts stay legal there.
Other packages build their own keys with `shop_key` so the tagging rule lives in one place.
"""

from __future__ import annotations

NAMESPACE = "bl:"
SHOPS_INDEX = NAMESPACE + "shops"
IP_HASH_SECRET = NAMESPACE + "secrets:ip-hash"


def shop_key(shop: str, name: str) -> str:
    """A key of `shop`: `bl:{shop}:name`."""
    return f"{NAMESPACE}{{{shop}}}:{name}"


def shop_record(shop: str) -> str:
    return shop_key(shop, "shop")


def shop_origins(shop: str) -> str:
    return shop_key(shop, "origins")


def event_stream(shop: str) -> str:
    return shop_key(shop, "events")


def dead_letter_stream(shop: str) -> str:
    return shop_key(shop, "dead-letters")


def seen_event_ids(shop: str, bucket_ms: int) -> str:
    """Set of the digests of the event ids received in the time bucket starting at
    `bucket_ms` (unix ms), for de-duplication (`tracker.dedup`); it expires."""
    return shop_key(shop, f"seen:{bucket_ms}")


def site_rate(shop: str) -> str:
    return shop_key(shop, "rate:site")


def client_rate(shop: str, client: str) -> str:
    return shop_key(shop, f"rate:client:{client}")


def refused_origins(shop: str, hour: str) -> str:
    """Hash origin -> count of batches refused for their origin in `hour` (YYYYMMDDHH, UTC)."""
    return shop_key(shop, f"refused-origins:{hour}")
