"""The seller and the buyers named on invoices, kept in the store.

The seller is one for the whole deployment; a shop's buyer details default to its id.
An issued invoice copies both, so a later change never alters it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from billing import keys
from billing.errors import MissingSeller


@dataclass(frozen=True)
class Party:
    name: str
    address: tuple[str, ...] = ()
    tax_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "address": list(self.address), "tax_id": self.tax_id}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Party:
        return cls(data["name"], tuple(data.get("address", ())), data.get("tax_id"))


async def set_seller(redis: Any, seller: Party) -> None:
    await redis.set(keys.SELLER, orjson.dumps(seller.as_dict()))


async def get_seller(redis: Any) -> Party:
    stored = await redis.get(keys.SELLER)
    if stored is None:
        raise MissingSeller()
    return Party.from_dict(orjson.loads(stored))


async def set_buyer(redis: Any, shop: str, buyer: Party) -> None:
    await redis.set(keys.buyer(shop), orjson.dumps(buyer.as_dict()))


async def get_buyer(redis: Any, shop: str) -> Party:
    stored = await redis.get(keys.buyer(shop))
    return Party(shop) if stored is None else Party.from_dict(orjson.loads(stored))
