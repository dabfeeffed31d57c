"""Invoices over HTTP (`api`) and the billing ledger's consumer wired to this deployment's
order log (`ledger`). Imports `billing`, `widget.platform` and `widget.orders` (keys)."""

from __future__ import annotations

from widget.invoices import api
from widget.invoices.ledger import ORDER_LOG, ledger_updater

__all__ = ["ORDER_LOG", "api", "ledger_updater"]
