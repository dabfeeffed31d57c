"""Redis key names of the orders of record, built only here (see tracker.keys).

Each order id and refund id is the whole remainder of its key, after a prefix of its own,
so no id can make one key collide with another kind of key.
"""

from __future__ import annotations

from tracker.keys import shop_key
from widget.events.keys import bought

__all__ = ["bought", "order", "order_log", "refunds"]


def order(shop: str, order_id: str) -> str:
    """Hash: `body` (the order as canonical JSON), `total_micros`, `refunded_micros`,
    `replays` (how often the same body was sent again)."""
    return shop_key(shop, f"order:{order_id}")


def refunds(shop: str, order_id: str) -> str:
    """Hash refund id -> the refund as canonical JSON."""
    return shop_key(shop, f"refunds:{order_id}")


def order_log(shop: str) -> str:
    """Stream of every order and refund as recorded, for billing: fields `kind`
    (`order` | `refund`) and `body` (JSON); the entry id is the time of receipt."""
    return shop_key(shop, "orders:log")
