"""Orders of record and their refunds, sent by the shop's backend.

`api` serves `/v1/orders`; `rows` validates them into values (money as `Decimal`);
`store` writes each with one Lua script (`orders.lua`, `refunds.lua`) under `keys` and
waits for the disk. Import direction: keys, rows -> store -> api; below them
`widget.platform`, `tracker` and the live-state keys of `widget.events`.
"""

from __future__ import annotations

from widget.orders import api, keys
from widget.orders.rows import MAX_DECIMALS, Order, micros, money_text

__all__ = ["MAX_DECIMALS", "Order", "api", "keys", "micros", "money_text"]
