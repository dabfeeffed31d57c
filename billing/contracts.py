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
from billing.group_sequential import SequenceDesign
from billing.sufficient import ExperimentStatistics
from billing.uplift import SampleGates, UpliftReport, estimate_uplift

Basis = Literal["cumulative", "lower_bound", "point"]

DEFAULT_PAYMENT_TERMS_DAYS = 30
MAX_PAYMENT_TERMS_DAYS = 365

_MONEY_FIELDS = ("fee_cap", "minimum_fee", "monthly_licence_fee", "revenue_per_visitor_cap")


@dataclass(frozen=True, kw_only=True)
class Contract:
    """Fee = licence + clamp(share x max(0, incremental revenue), minimum, cap).

    Money is in `currency` and on its minor-unit grid. A change of any term is a new
    `version`, which takes effect on the first day of a month (in `billing_time_zone`).

    `basis`:
    - "cumulative" (the default) bills each month share x the anytime-valid lower bound on
      the incremental revenue since this version took effect, less the share billed before
      under it (`billing.fees.compute_cumulative_fee`). It needs both terms fixed from data
      seen before the version starts: `revenue_per_visitor_cap` (e.g. the 99th percentile of
      earlier buyers' revenue, `billing.buyer_revenue_cap`) and `monthly_visitors` (the
      traffic that tunes the bound, `design`).
    - "lower_bound" bills each month from that month's one-sided bound alone;
      `revenue_per_visitor_cap` None there means the period's pooled 99.9th percentile.
    - "point" bills the estimate itself and is NOT SAFE: with no effect at all it charges in
      about half of months. It is kept for comparison only.

    `payment_terms_days` after an invoice's issue date it is due; `tax_rate_percent` is the
    tax (VAT) on the invoice's net total, unless the buyer accounts for it (`billing.tax`).
    `created_at` is when the store accepted the version (`billing.contract_store`).
    """

    shop: str
    version: int
    effective_from: datetime.date
    currency: str
    revenue_share_percent: Decimal
    basis: Basis = "cumulative"
    confidence_level: float = 0.95
    fee_cap: Decimal | None = None
    minimum_fee: Decimal = Decimal(0)
    monthly_licence_fee: Decimal = Decimal(0)
    billing_time_zone: str = "UTC"
    revenue_per_visitor_cap: Decimal | None = None
    holdout_share: float = 0.1
    monthly_visitors: int | None = None
    gates: SampleGates = field(default_factory=SampleGates)
    payment_terms_days: int = DEFAULT_PAYMENT_TERMS_DAYS
    tax_rate_percent: Decimal = Decimal(0)
    created_at: datetime.datetime | None = None

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
        _check(
            self.tax_rate_percent.is_finite() and Decimal(0) <= self.tax_rate_percent < 100,
            "tax_rate_percent",
            f"must be 0 or more and below 100, got {self.tax_rate_percent}",
        )
        _check(
            type(self.payment_terms_days) is int
            and 0 <= self.payment_terms_days <= MAX_PAYMENT_TERMS_DAYS,
            "payment_terms_days",
            f"must be a whole number of days within 0 and {MAX_PAYMENT_TERMS_DAYS}, "
            f"got {self.payment_terms_days!r}",
        )
        for name in _MONEY_FIELDS:
            self._check_money(name)
        if self.fee_cap is not None:
            _check(self.fee_cap >= self.minimum_fee, "fee_cap", "must not be below minimum_fee")
        if self.revenue_per_visitor_cap is not None:
            _check(self.revenue_per_visitor_cap > 0, "revenue_per_visitor_cap", "must be above 0")
        if self.monthly_visitors is not None:
            _check(self.monthly_visitors >= 1, "monthly_visitors", "must be 1 or more")
        if self.basis == "cumulative":
            self._check_cumulative_terms()
        _check(
            self.effective_from.day == 1,
            "effective_from",
            f"must be the first day of a month (a version prices whole billing periods), "
            f"got {self.effective_from}",
        )
        _check(
            self.created_at is None or self.created_at.tzinfo is not None,
            "created_at",
            "must carry a time zone",
        )
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
        data["created_at"] = self.created_at.isoformat() if self.created_at else None
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
            if terms.get("created_at") is not None:
                terms["created_at"] = datetime.datetime.fromisoformat(terms["created_at"])
            for name in _MONEY_FIELDS + ("revenue_share_percent", "tax_rate_percent"):
                if terms.get(name) is not None:
                    terms[name] = Decimal(terms[name])
            if "gates" in terms:
                terms["gates"] = SampleGates(**terms["gates"])
            return cls(**terms)
        except (KeyError, TypeError, ValueError, InvalidOperation) as error:
            raise InvalidContract("contract", f"is malformed: {error!r}") from None

    def uplift(self, statistics: ExperimentStatistics) -> UpliftReport:
        """The uplift report at the contract's confidence, holdout share and gates."""
        return estimate_uplift(
            statistics,
            confidence_level=self.confidence_level,
            holdout_share=self.holdout_share,
            gates=self.gates,
        )

    @property
    def design(self) -> SequenceDesign:
        """The confidence sequence's terms of the cumulative basis."""
        if self.monthly_visitors is None:
            raise InvalidContract("monthly_visitors", "is needed by the cumulative basis")
        return SequenceDesign.for_monthly_visitors(self.monthly_visitors)

    @property
    def starts_at(self) -> datetime.datetime:
        """The instant the version takes effect: midnight of its first day, in its zone."""
        first = self.effective_from
        return datetime.datetime(
            first.year, first.month, 1, tzinfo=ZoneInfo(self.billing_time_zone)
        )

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

    def _check_cumulative_terms(self) -> None:
        # Both shape the bound, so both are fixed before the version starts, never from its
        # own outcome; a cap taken after the fact could be chosen to move the fee.
        _check(
            self.revenue_per_visitor_cap is not None,
            "revenue_per_visitor_cap",
            "is needed by the cumulative basis: fix it from earlier buyers' revenue "
            "(`basketlift invoice add-contract` proposes one)",
        )
        _check(
            self.monthly_visitors is not None,
            "monthly_visitors",
            "is needed by the cumulative basis: the shop's visitors in a month before it starts",
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
