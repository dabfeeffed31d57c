"""Additive sufficient statistics of one arm, for a day or any period.

Revenue is counted in integer minor units of the contract's currency, so every sum
(squares and cross-products included) is an exact Python int: a period's statistics are
the sum of its days to the last unit, in any order of addition (float sums are not).
Means and variances are the only floats, computed on demand.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal, Self, TypeVar

from billing.errors import IncompatibleStatistics

Arm = Literal["treatment", "holdout"]

_Sums = TypeVar("_Sums", "SampleMean", "RatioSums", "ArmStatistics", "CovariateSums")


def _add_fields(left: _Sums, right: _Sums) -> _Sums:
    values: dict[str, Any] = {
        field.name: getattr(left, field.name) + getattr(right, field.name)
        for field in dataclasses.fields(left)
    }
    return type(left)(**values)


def _variance(n: int, total: int, sum_squares: int) -> float:
    # n Σx² − (Σx)² is exact in ints, so no cancellation error however large the sums
    return (n * sum_squares - total * total) / (n * (n - 1)) if n > 1 else 0.0


@dataclass(frozen=True)
class SampleMean:
    """Sums of one per-visitor value: n, Σx, Σx² (gbstats' SampleMeanStatistic)."""

    n: int
    total: int
    sum_squares: int

    def __add__(self, other: SampleMean) -> SampleMean:
        return _add_fields(self, other)

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0

    @property
    def variance(self) -> float:
        """Sample variance (n - 1 in the denominator); 0.0 below two visitors."""
        return _variance(self.n, self.total, self.sum_squares)


@dataclass(frozen=True)
class RatioSums:
    """Sums of a per-visitor numerator x and denominator y for Σx / Σy (gbstats' RatioStatistic)."""

    n: int
    sum_x: int
    sum_y: int
    sum_x2: int
    sum_y2: int
    sum_xy: int

    def __add__(self, other: RatioSums) -> RatioSums:
        return _add_fields(self, other)

    @property
    def numerator(self) -> SampleMean:
        return SampleMean(self.n, self.sum_x, self.sum_x2)

    @property
    def denominator(self) -> SampleMean:
        return SampleMean(self.n, self.sum_y, self.sum_y2)

    @property
    def covariance(self) -> float:
        n = self.n
        return (n * self.sum_xy - self.sum_x * self.sum_y) / (n * (n - 1)) if n > 1 else 0.0


@dataclass(frozen=True)
class ArmStatistics:
    """One arm's sums over its visitors; revenue in minor units, capped per visitor."""

    visitors: int = 0
    converting_visitors: int = 0
    orders: int = 0
    orders_squares: int = 0
    net_revenue: int = 0
    net_revenue_squares: int = 0
    capped_revenue: int = 0
    capped_revenue_squares: int = 0
    capped_visitors: int = 0
    capped_revenue_times_orders: int = 0
    page_views: int = 0
    recommendation_clicks: int = 0

    def __add__(self, other: ArmStatistics) -> ArmStatistics:
        return _add_fields(self, other)

    @property
    def conversion(self) -> SampleMean:
        # a 0/1 value is its own square
        return SampleMean(self.visitors, self.converting_visitors, self.converting_visitors)

    @property
    def revenue_per_visitor(self) -> SampleMean:
        return SampleMean(self.visitors, self.capped_revenue, self.capped_revenue_squares)

    @property
    def basket_value(self) -> RatioSums:
        """Capped revenue over orders, per visitor: the average basket value as a ratio."""
        return RatioSums(
            n=self.visitors,
            sum_x=self.capped_revenue,
            sum_y=self.orders,
            sum_x2=self.capped_revenue_squares,
            sum_y2=self.orders_squares,
            sum_xy=self.capped_revenue_times_orders,
        )


@dataclass(frozen=True)
class CovariateSums:
    """One arm's sums of a pre-period covariate x beside its capped revenue y: n, Σx, Σx², Σxy.

    x is what a visitor spent before their first exposure (so the treatment cannot move it),
    under the same cap as y; a visitor new to the shop has x = 0.
    """

    visitors: int = 0
    total: int = 0
    sum_squares: int = 0
    sum_products: int = 0

    def __add__(self, other: CovariateSums) -> CovariateSums:
        return _add_fields(self, other)

    @property
    def covariate(self) -> SampleMean:
        return SampleMean(self.visitors, self.total, self.sum_squares)

    def with_revenue(self, arm: ArmStatistics) -> RatioSums:
        """x and the arm's capped revenue y as paired sums, for their covariance."""
        if arm.visitors != self.visitors:
            raise IncompatibleStatistics(
                f"covariate sums of {self.visitors} visitors beside an arm of {arm.visitors}"
            )
        return RatioSums(
            n=self.visitors,
            sum_x=arm.capped_revenue,
            sum_y=self.total,
            sum_x2=arm.capped_revenue_squares,
            sum_y2=self.sum_squares,
            sum_xy=self.sum_products,
        )


@dataclass(frozen=True)
class PrePeriodStatistics:
    """Both arms' covariate sums, beside the `ExperimentStatistics` of the same visitors."""

    treatment: CovariateSums = CovariateSums()
    holdout: CovariateSums = CovariateSums()

    def __add__(self, other: PrePeriodStatistics) -> PrePeriodStatistics:
        return PrePeriodStatistics(self.treatment + other.treatment, self.holdout + other.holdout)

    def arm(self, arm: Arm) -> CovariateSums:
        return self.treatment if arm == "treatment" else self.holdout

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PrePeriodStatistics:
        """From `dataclasses.asdict` (or its JSON), as an invoice's evidence stores it."""
        return cls(CovariateSums(**data["treatment"]), CovariateSums(**data["holdout"]))


@dataclass(frozen=True)
class ExperimentStatistics:
    """Both arms' sums for a day or period, in one currency under one revenue cap."""

    currency: str
    revenue_cap_minor: int | None
    treatment: ArmStatistics = ArmStatistics()
    holdout: ArmStatistics = ArmStatistics()

    def __add__(self, other: ExperimentStatistics) -> Self:
        if self.currency != other.currency:
            raise IncompatibleStatistics(f"currencies {self.currency} and {other.currency}")
        if self.revenue_cap_minor != other.revenue_cap_minor:
            raise IncompatibleStatistics(
                f"revenue caps {self.revenue_cap_minor} and {other.revenue_cap_minor}"
            )
        return dataclasses.replace(
            self, treatment=self.treatment + other.treatment, holdout=self.holdout + other.holdout
        )

    def arm(self, arm: Arm) -> ArmStatistics:
        return self.treatment if arm == "treatment" else self.holdout

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExperimentStatistics:
        """From `dataclasses.asdict` (or its JSON), as an invoice's evidence stores it."""
        return cls(
            currency=data["currency"],
            revenue_cap_minor=data["revenue_cap_minor"],
            treatment=ArmStatistics(**data["treatment"]),
            holdout=ArmStatistics(**data["holdout"]),
        )
