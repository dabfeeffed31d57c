"""The store of orders of record: each write is one Lua script, acknowledged once on disk.

Each write goes out with `WAITAOF` (`tracker.durable`). WAITAOF needs Redis or Valkey 7.2+
with `appendonly yes`; without it every write is stored but answered `DurabilityUnsupported`.

Errors:
    OrderError
    ├── OrderConflict: an id already recorded with another body (409)
    ├── UnknownOrder: a refund or look-up of an order never recorded (404)
    ├── OverRefund: refunds would exceed the order's total (422)
    └── NotDurable: the write may not be on disk yet (503)
        ├── DurabilityUnconfirmed: no fsync within the timeout; the write is stored
        ├── DurabilityUnsupported: the store has no WAITAOF or no append-only file
        └── StoreRefused: the store refused the write (OOM, READONLY...)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from importlib.resources import files
from typing import Any

import orjson
import redis.exceptions

from tracker.durable import eval_durably, unconfirmed
from widget.catalog import product_ids_of
from widget.orders import keys as keys
from widget.orders.rows import Order, Refund, micros, money_text

BOUGHT_TTL_S = 400 * 86_400
DURABILITY_TIMEOUT_MS = 2_000
_ORDER_SCRIPT = files("widget.orders").joinpath("orders.lua").read_text()
_REFUND_SCRIPT = files("widget.orders").joinpath("refunds.lua").read_text()


class OrderError(Exception):
    status = 400
    field: str | None = None


class OrderConflict(OrderError):
    status = 409

    def __init__(self, message: str, field: str | None) -> None:
        super().__init__(message)
        self.field = field


class UnknownOrder(OrderError):
    status = 404


class OverRefund(OrderError):
    status = 422
    field = "amount"


class NotDurable(OrderError):
    status = 503


class DurabilityUnconfirmed(NotDurable):
    pass


class DurabilityUnsupported(NotDurable):
    pass


class StoreRefused(NotDurable):
    pass


@dataclass(frozen=True)
class OrderRecord:
    """An order with its refunds, oldest first."""

    order: Order
    refunds: tuple[Refund, ...]

    @property
    def refunded(self) -> Decimal:
        return sum((refund.amount for refund in self.refunds), Decimal(0))

    def as_dict(self) -> dict[str, Any]:
        return {
            "order": self.order.as_dict(),
            "refunds": [refund.as_dict() for refund in self.refunds],
            "refunded": money_text(self.refunded),
            "net": money_text(self.order.total - self.refunded),
        }


class OrderStore:
    """Orders of a store reached by `redis` (redis.asyncio, plain or cluster)."""

    def __init__(self, redis: Any, durability_timeout_ms: int = DURABILITY_TIMEOUT_MS) -> None:
        self._redis = redis
        self._timeout_ms = durability_timeout_ms

    async def record_order(self, shop: str, order: Order) -> bool:
        """Record `order`; True when recorded now, False when the same body was before.

        The order is stored as sent; the visitor's bought products are the catalogue's
        products its lines name, directly or by a variant's id.
        """
        bought = order.naming_products(await product_ids_of(self._redis, shop, order.product_ids()))
        script_keys = [keys.order(shop, order.order_id), keys.order_log(shop)]
        if order.anonymous_id is not None:
            script_keys.append(keys.bought(shop, order.anonymous_id))
        args = [order.to_json(), micros(order.total), order.placed_at_ms, BOUGHT_TTL_S]
        reply = await self._durably(_ORDER_SCRIPT, script_keys, [*args, *bought.product_ids()])
        if reply[0] == 2:
            field = _first_difference(orjson.loads(reply[1]), order.as_dict())
            raise OrderConflict(
                f"order {order.order_id!r} is already recorded with another {field or 'body'}; "
                "an order id names one order: send the recorded body again, or a new id",
                field,
            )
        return bool(reply[0] == 0)

    async def record_refund(self, shop: str, refund: Refund) -> bool:
        """Record `refund`; True when recorded now, False when the same body was before."""
        script_keys = [
            keys.order(shop, refund.order_id),
            keys.refunds(shop, refund.order_id),
            keys.order_log(shop),
        ]
        args = [refund.refund_id, refund.to_json(), micros(refund.amount)]
        reply = await self._durably(_REFUND_SCRIPT, script_keys, args)
        if reply[0] == 4:
            raise UnknownOrder(f"no order {refund.order_id!r} is recorded")
        if reply[0] == 2:
            field = _first_difference(orjson.loads(reply[1]), refund.as_dict())
            raise OrderConflict(
                f"refund {refund.refund_id!r} is already recorded with another "
                f"{field or 'body'}; a refund id names one refund",
                field,
            )
        if reply[0] == 3:
            refunded, total = (Decimal(value).scaleb(-6) for value in reply[1:3])
            raise OverRefund(
                f"refunds would total {money_text(refunded + refund.amount)}, above the "
                f"order's total of {money_text(total)}; at most "
                f"{money_text(total - refunded)} can still be refunded"
            )
        return bool(reply[0] == 0)

    async def order(self, shop: str, order_id: str) -> OrderRecord:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hget(keys.order(shop, order_id), "body")
            pipe.hvals(keys.refunds(shop, order_id))
            body, refunds = await pipe.execute()
        if body is None:
            raise UnknownOrder(f"no order {order_id!r} is recorded")
        found = sorted(
            (Refund.from_json(raw) for raw in refunds), key=lambda r: (r.refunded_at, r.refund_id)
        )
        return OrderRecord(Order.from_json(body), tuple(found))

    async def _durably(self, script: str, script_keys: list[str], args: list[Any]) -> Any:
        """The script's reply, once WAITAOF confirmed its writes on disk when it made any."""
        reply, synced = await eval_durably(self._redis, script, script_keys, args, self._timeout_ms)
        if isinstance(reply, redis.exceptions.ResponseError):
            raise StoreRefused(f"the store refused the write: {reply}")
        if reply[0] in (0, 1):
            self._confirm(synced)
        return reply

    def _confirm(self, synced: Any) -> None:
        problem = unconfirmed(synced)
        if problem == "unsupported":
            raise DurabilityUnsupported(
                "the write is stored, but the store cannot confirm it is on disk: orders "
                "need Redis or Valkey 7.2+ with appendonly yes (WAITAOF answered: "
                f"{synced}); send the same body again once the store is configured"
            )
        if problem == "timed_out":
            raise DurabilityUnconfirmed(
                f"the write is stored but the store did not confirm it on disk within "
                f"{self._timeout_ms} ms; send the same body again to get the confirmation"
            )


def _first_difference(stored: Any, sent: Any, path: str = "") -> str | None:
    """The path of the first field where two JSON values differ (`lines[2].quantity`)."""
    if isinstance(stored, dict) and isinstance(sent, dict):
        for name in sorted(stored.keys() | sent.keys()):
            found = _first_difference(stored.get(name), sent.get(name), f"{path}.{name}")
            if found:
                return found
        return None
    if isinstance(stored, list) and isinstance(sent, list) and len(stored) == len(sent):
        for i, (a, b) in enumerate(zip(stored, sent, strict=True)):
            found = _first_difference(a, b, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if stored == sent else path.lstrip(".") or None
