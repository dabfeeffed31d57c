"""A shop's fee contract, one immutable version at a time.

Raises `InvalidContract` (a field out of range) and `UnsupportedCurrency`, both
`BillingError`s (tree in `billing.errors`).
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from billing.currency import is_whole_minor_units, minor_unit_exponent
from billing.errors import InvalidContract
from billing.uplift import SampleGates

Basis = Literal["lower_bound", "point"]

_MONEY_FIELDS = ("fee_cap", "minimum_fee", "monthly_licence_fee", "revenue_per_visitor_cap")


@dataclass(frozen=True, kw_only=True)
class Contract:
    """Fee = licence + clamp(share x max(0, incremental revenue), minimum, cap).

    Money is in `currency` and on its minor-unit grid; `revenue_per_visitor_cap` None means
    the period's pooled 99.9th percentile. A change of any term is a new `version`.
    `basis` "lower_bound" bills each month from that month's one-sided bound alone; "point"
    bills the estimate itself and is not safe: with no effect at all it charges in about half
    of months. The cumulative, anytime-valid basis is `billing.fees.compute_cumulative_fee`.
    """

    shop: str
    version: int
    effective_from: datetime.date
    currency: str
    revenue_share_percent: Decimal
    basis: Basis = "lower_bound"
    confidence_level: float = 0.95
    fee_cap: Decimal | None = None
    minimum_fee: Decimal = Decimal(0)
    monthly_licence_fee: Decimal = Decimal(0)
    billing_time_zone: str = "UTC"
    revenue_per_visitor_cap: Decimal | None = None
    holdout_share: float = 0.1
    gates: SampleGates = field(default_factory=SampleGates)

    def __post_init__(self) -> None:
        minor_unit_exponent(self.currency)
        _check(bool(self.shop), "shop", "must not be empty")
        _check(self.version >= 1, "version", f"must be 1 or more, got {self.version}")
        _check(self.basis in get_args(Basis), "basis", f"must be one of {get_args(Basis)}")
        _check(
            self.revenue_share_percent.is_finite()
            and Decimal(0) <= self.revenue_share_percent <= Decimal(100),
            "revenue_share_percent",
            f"must be within 0 and 100, got {self.revenue_share_percent}",
        )
        _check(
            0.5 < self.confidence_level < 1,
            "confidence_level",
            f"must be within 0.5 and 1, got {self.confidence_level}",
        )
        _check(
            0 < self.holdout_share < 1,
            "holdout_share",
            f"must be within 0 and 1, got {self.holdout_share}",
        )
        for name in _MONEY_FIELDS:
            self._check_money(name)
        if self.fee_cap is not None:
            _check(self.fee_cap >= self.minimum_fee, "fee_cap", "must not be below minimum_fee")
        if self.revenue_per_visitor_cap is not None:
            _check(self.revenue_per_visitor_cap > 0, "revenue_per_visitor_cap", "must be above 0")
        try:
            ZoneInfo(self.billing_time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidContract("billing_time_zone", "is not a known IANA zone") from None
        self._check_gates()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: money as strings, so no amount passes through a float."""
        data = dataclasses.asdict(self)
        for name, value in data.items():
            if isinstance(value, Decimal):
                data[name] = str(value)
        data["effective_from"] = self.effective_from.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Contract:
        """The inverse of `as_dict`; a field that is unknown or malformed raises InvalidContract."""
        known = {f.name for f in dataclasses.fields(cls)}
        for name in data.keys() - known:
            raise InvalidContract(name, "is not a contract field")
        terms = dict(data)
        try:
            terms["effective_from"] = datetime.date.fromisoformat(data["effective_from"])
            for name in _MONEY_FIELDS + ("revenue_share_percent",):
                if terms.get(name) is not None:
                    terms[name] = Decimal(terms[name])
            if "gates" in terms:
                terms["gates"] = SampleGates(**terms["gates"])
            return cls(**terms)
        except (KeyError, TypeError, ValueError, InvalidOperation) as error:
            raise InvalidContract("contract", f"is malformed: {error!r}") from None

    @property
    def revenue_cap_minor(self) -> int | None:
        """The revenue-per-visitor cap in minor units, as the statistics count revenue."""
        if self.revenue_per_visitor_cap is None:
            return None
        return int(self.revenue_per_visitor_cap.scaleb(minor_unit_exponent(self.currency)))

    def _check_money(self, name: str) -> None:
        amount: Decimal | None = getattr(self, name)
        if amount is None:
            return
        _check(
            is_whole_minor_units(amount, self.currency) and amount >= 0,
            name,
            f"must be a non-negative amount in whole {self.currency} minor units, got {amount}",
        )

    def _check_gates(self) -> None:
        gates = self.gates
        _check(
            gates.minimum_visitors_per_arm >= 2,
            "gates.minimum_visitors_per_arm",
            "must be 2 or more: a variance needs two visitors",
        )
        _check(
            gates.minimum_converting_visitors_per_arm >= 0,
            "gates.minimum_converting_visitors_per_arm",
            "must not be negative",
        )
        _check(
            0 < gates.sample_ratio_alpha < 1,
            "gates.sample_ratio_alpha",
            f"must be within 0 and 1, got {gates.sample_ratio_alpha}",
        )


def _check(condition: bool, field_name: str, reason: str) -> None:
    if not condition:
        raise InvalidContract(field_name, reason)
