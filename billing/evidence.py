"""The per-arm table an invoice shows: exact money totals beside the arms' rates."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from billing.currency import from_minor_units, minor_unit_exponent
from billing.sufficient import Arm, ArmStatistics, ExperimentStatistics


@dataclass(frozen=True)
class ArmRow:
    """One arm of the period; money in major units, means as the statistics' floats."""

    arm: Arm
    visitors: int
    converting_visitors: int
    orders: int
    page_views: int
    recommendation_clicks: int
    net_revenue: Decimal
    capped_revenue: Decimal
    capped_visitors: int
    conversion_rate: float
    revenue_per_visitor: float
    average_basket_value: float | None


def _per_major_unit(total_minor: int, count: int, currency: str) -> float:
    # one correctly rounded int division, rather than a float times 0.01
    return total_minor / (count * int(10 ** minor_unit_exponent(currency)))


def _row(arm: Arm, sums: ArmStatistics, currency: str) -> ArmRow:
    return ArmRow(
        arm=arm,
        visitors=sums.visitors,
        converting_visitors=sums.converting_visitors,
        orders=sums.orders,
        page_views=sums.page_views,
        recommendation_clicks=sums.recommendation_clicks,
        net_revenue=from_minor_units(sums.net_revenue, currency),
        capped_revenue=from_minor_units(sums.capped_revenue, currency),
        capped_visitors=sums.capped_visitors,
        conversion_rate=sums.conversion.mean,
        revenue_per_visitor=(
            _per_major_unit(sums.capped_revenue, sums.visitors, currency) if sums.visitors else 0.0
        ),
        average_basket_value=(
            _per_major_unit(sums.capped_revenue, sums.orders, currency) if sums.orders else None
        ),
    )


def arm_table(statistics: ExperimentStatistics) -> tuple[ArmRow, ArmRow]:
    """Treatment first, then holdout."""
    currency = statistics.currency
    return (
        _row("treatment", statistics.treatment, currency),
        _row("holdout", statistics.holdout, currency),
    )
