"""Errors of billing.

Statistics that cannot be computed are not errors: they come back as results carrying a
reason code. These are raised for inputs that are wrong, never for data that is merely thin.

BillingError
├── InvalidContract              (a contract field is out of range; `field`, `reason`)
├── UnsupportedCurrency          (no known ISO 4217 minor unit for the code)
├── InvalidVisitorRows           (per-visitor arrays disagree in length or hold bad values)
└── IncompatibleStatistics       (sums of different currencies or revenue caps combined)
"""

from __future__ import annotations


class BillingError(Exception):
    """Base of billing's errors."""


class InvalidContract(BillingError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class UnsupportedCurrency(BillingError):
    def __init__(self, currency: str) -> None:
        super().__init__(f"no known minor unit for currency {currency!r}")
        self.currency = currency


class InvalidVisitorRows(BillingError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IncompatibleStatistics(BillingError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
