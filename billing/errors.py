"""Errors of billing.

Statistics that cannot be computed are not errors: they come back as results carrying a
reason code. These are raised for inputs that are wrong, never for data that is merely thin.

BillingError
├── InvalidContract              (a contract field is out of range; `field`, `reason`)
├── InvalidDesign                (a confidence sequence's term is out of range; `field`, `reason`)
├── InvalidBilledAmount          (an amount billed before is negative or off the minor-unit grid)
├── UnsupportedCurrency          (no known ISO 4217 minor unit for the code)
├── InvalidVisitorRows           (per-visitor arrays disagree in length or hold bad values)
├── IncompatibleStatistics       (sums of different currencies or revenue caps combined)
├── InvalidPeriod                (not a `YYYY-MM` month)
├── InvalidLedgerEntry           (a ledger entry with a negative or oversized amount)
├── NotExposed                   (a visitor counted as seen has no arm of record)
├── ContractVersionConflict      (a contract version that is not the next, or goes back in time)
├── RetroactiveContract          (a contract version that would price a period already begun)
├── NoContractInForce            (no contract version covers the period)
├── PeriodNotOver                (an invoice asked for a month that has not ended)
├── UnknownInvoice               (no invoice for that shop and period)
├── EarlierPeriodOpen            (a cumulative invoice needs the periods before it invoiced)
├── InvoiceNotVoid               (only a voided invoice can be replaced)
├── NotDurable                   (the store did not confirm an issued invoice on disk)
├── InvoiceNotIssued             (a draft cannot be voided)
├── MissingSeller                (no seller details to put on an issued invoice)
└── InvalidParty                 (a seller's or buyer's detail is malformed; `field`, `reason`)
"""

from __future__ import annotations


class BillingError(Exception):
    """Base of billing's errors."""


class InvalidContract(BillingError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class InvalidDesign(BillingError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class InvalidBilledAmount(BillingError):
    def __init__(self, amount: object, currency: str) -> None:
        super().__init__(
            f"amount billed before must be a non-negative amount in whole {currency} minor units,"
            f" got {amount}"
        )
        self.amount = amount
        self.currency = currency


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


class InvalidPeriod(BillingError):
    def __init__(self, text: str) -> None:
        super().__init__(f"period must be a month as YYYY-MM, got {text!r}")
        self.text = text


class InvalidLedgerEntry(BillingError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotExposed(BillingError):
    def __init__(self, shop: str, anonymous_id: str) -> None:
        super().__init__(f"visitor {anonymous_id!r} of shop {shop!r} has no exposure of record")
        self.shop = shop
        self.anonymous_id = anonymous_id


class ContractVersionConflict(BillingError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetroactiveContract(BillingError):
    def __init__(self, version: int, effective_from: object, earliest: object) -> None:
        super().__init__(
            f"effective_from: version {version} would take effect on {effective_from}, but "
            f"terms are fixed before the period they price: the earliest is {earliest}"
        )
        self.field = "effective_from"
        self.version = version


class NoContractInForce(BillingError):
    def __init__(self, shop: str, period: str) -> None:
        super().__init__(f"shop {shop!r} has no contract in force for {period}")
        self.shop = shop
        self.period = period


class PeriodNotOver(BillingError):
    def __init__(self, period: str) -> None:
        super().__init__(f"period {period} has not ended in the contract's time zone")
        self.period = period


class UnknownInvoice(BillingError):
    def __init__(self, shop: str, period: str) -> None:
        super().__init__(f"shop {shop!r} has no invoice for {period}")
        self.shop = shop
        self.period = period


class EarlierPeriodOpen(BillingError):
    def __init__(self, period: str, state: str) -> None:
        super().__init__(
            f"the cumulative fee needs every earlier period of the contract invoiced: {period} "
            f"{state}; finalize it (or void it) first"
        )
        self.period = period


class InvoiceNotVoid(BillingError):
    def __init__(self, shop: str, period: str) -> None:
        super().__init__(
            f"the invoice of shop {shop!r} for {period} is not void: void it before reissuing"
        )
        self.shop = shop
        self.period = period


class NotDurable(BillingError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvoiceNotIssued(BillingError):
    def __init__(self, shop: str, period: str) -> None:
        super().__init__(f"the invoice of shop {shop!r} for {period} is a draft, not issued")
        self.shop = shop
        self.period = period


class MissingSeller(BillingError):
    def __init__(self) -> None:
        super().__init__("no seller details: set them with `basketlift invoice seller`")


class InvalidParty(BillingError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
