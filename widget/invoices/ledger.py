"""The billing ledger's consumer wired to this deployment's order log.

`billing` may not import `widget`, so the keys of the orders of record (widget's) are
handed to it here, for the server's background task and `basketlift billing`.
"""

from __future__ import annotations

from typing import Any

from billing.consumer import LedgerUpdater
from billing.order_log import OrderLogKeys
from widget.orders import keys as orders_keys

ORDER_LOG = OrderLogKeys(log=orders_keys.order_log, order=orders_keys.order)


def ledger_updater(redis: Any, **options: Any) -> LedgerUpdater:
    """A `LedgerUpdater` over every shop's events and orders; `options` as its keywords."""
    return LedgerUpdater(redis, ORDER_LOG, **options)
