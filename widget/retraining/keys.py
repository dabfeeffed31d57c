"""Redis key names of automatic retraining, built only here (see tracker.keys).

Both keys of a shop carry its hash tag, so the lock's scripts stay legal on a Redis Cluster.
"""

from __future__ import annotations

from tracker.keys import shop_key


def status(shop: str) -> str:
    """Hash of the shop's last training attempt, success and failure, and the lock's fence."""
    return shop_key(shop, "retraining")


def lock(shop: str) -> str:
    """String `fence|holder|started` while a process trains the shop; it expires unless renewed."""
    return shop_key(shop, "retraining:lock")
