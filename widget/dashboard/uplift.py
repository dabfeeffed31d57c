"""The Uplift page's figures, all from billing: the period's statistics, the report, the
cumulative lift day by day, and the fee so far under the contract in force.

Without a contract the currency is unknown: amounts are shown with two decimals and no
code, the holdout share is the contract default (which assigns the visitors then) and the
confidence level 95%.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from billing import (
    ArmRow,
    Contract,
    Difference,
    ExperimentStatistics,
    NoContractInForce,
    Period,
    SampleGates,
    UpliftReport,
    arm_table,
    daily_statistics,
    estimate_uplift,
)
from billing.contract_store import contract_in_force
from billing.currency import format_money, minor_unit_exponent
from billing.fees import PeriodFee
from billing.holdout import DEFAULT_HOLDOUT_SHARE
from billing.inference import mean_estimate, mean_interval
from billing.period_fee import period_fee
from billing.period_lock import period_lock
from billing.statement import fee_statement, reason_text
from billing.sufficient import Arm
from billing.traffic_quality import TrafficQuality, traffic_quality
from widget.dashboard.charts import IntervalPoint

# Without a contract the statistics need some currency for their two-decimal grid; it is
# never shown as the orders' currency.
GRID_WITHOUT_CONTRACT = "EUR"
DEFAULT_CONFIDENCE = 0.95


@dataclass(frozen=True)
class UpliftFigures:
    period: Period
    contract: Contract | None
    currency: str
    holdout_share: float
    revenue_cap_minor: int | None
    arms: tuple[ArmRow, ArmRow]
    statistics: ExperimentStatistics
    gates: SampleGates
    report: UpliftReport
    cumulative: list[IntervalPoint]
    daily: dict[Arm, list[IntervalPoint]]
    fee: PeriodFee | None
    days: int
    quality: TrafficQuality

    @property
    def fee_statement(self) -> str | None:
        return None if self.fee is None else fee_statement(self.fee, self.period)

    @property
    def scale(self) -> int:
        """Minor units per major unit, to show the report's minor-unit differences."""
        return int(10 ** minor_unit_exponent(self.currency))

    @property
    def currency_label(self) -> str:
        return "" if self.contract is None else self.currency

    @property
    def visitors(self) -> int:
        return self.statistics.treatment.visitors + self.statistics.holdout.visitors

    def money(self, amount: Decimal) -> str:
        """An amount in the contract's currency ('£1,234.56'); without a contract, two
        decimals and no currency, which is unknown then."""
        if self.contract is None:
            return f"{amount:,.2f}"
        return format_money(amount, self.currency)

    def money_of_minor(self, amount_minor: float) -> str:
        """`money` of a statistic's minor units (a float: a mean, a bound)."""
        return self.money(Decimal(repr(amount_minor)).scaleb(-minor_unit_exponent(self.currency)))


async def uplift_figures(redis: Any, shop: str, period: Period) -> UpliftFigures:
    contract: Contract | None
    try:
        contract = await contract_in_force(redis, shop, period)
    except NoContractInForce:
        contract = None
    currency = contract.currency if contract else GRID_WITHOUT_CONTRACT
    cap = contract.revenue_cap_minor if contract else None
    if cap is None:
        # a pooled cap exists only once the period is locked for invoicing
        lock = await period_lock(redis, shop, period)
        cap = lock.revenue_cap_minor if lock else None
    holdout_share = contract.holdout_share if contract else DEFAULT_HOLDOUT_SHARE
    confidence = contract.confidence_level if contract else DEFAULT_CONFIDENCE
    gates = contract.gates if contract else SampleGates()
    days = await daily_statistics(redis, shop, period, currency, cap)
    total = ExperimentStatistics(currency, cap)
    cumulative = []
    daily: dict[Arm, list[IntervalPoint]] = {"treatment": [], "holdout": []}
    scale = 10 ** minor_unit_exponent(currency)
    for day, statistics in days.items():
        total = total + statistics
        for arm in daily:
            interval = mean_interval(
                mean_estimate(statistics.arm(arm).revenue_per_visitor), confidence
            )
            if interval is not None:
                mean, low, high = (value / scale for value in interval)
                daily[arm].append(IntervalPoint(day, mean, low, high))
        report = estimate_uplift(
            total, confidence_level=confidence, holdout_share=holdout_share, gates=gates
        )
        difference = report.revenue_per_visitor.absolute
        if difference.available:
            cumulative.append(
                IntervalPoint(
                    day,
                    difference.estimate / scale,
                    difference.ci_low / scale,
                    difference.ci_high / scale,
                )
            )
    report = estimate_uplift(
        total, confidence_level=confidence, holdout_share=holdout_share, gates=gates
    )
    quality = await traffic_quality(
        redis, shop, period, total, holdout_share, gates.sample_ratio_alpha
    )
    fee = None
    if contract is not None:
        fee = await period_fee(redis, contract, period, cap, preview=True, quality=quality)
    return UpliftFigures(
        period=period,
        contract=contract,
        currency=currency,
        holdout_share=holdout_share,
        revenue_cap_minor=cap,
        arms=arm_table(total),
        statistics=total,
        gates=gates,
        report=report,
        cumulative=cumulative,
        daily=daily,
        fee=fee,
        days=len(days),
        quality=quality,
    )


def recent_periods(today: datetime.date, count: int = 12) -> list[Period]:
    """This month and the `count - 1` before it, newest first."""
    periods = [Period.of(today)]
    while len(periods) < count:
        first = periods[-1].first_day - datetime.timedelta(days=1)
        periods.append(Period.of(first))
    return periods


@dataclass(frozen=True)
class DifferenceRow:
    """One metric between arms, formatted for reading: treatment minus holdout."""

    metric: str
    treatment: str
    holdout: str
    difference: str
    interval: str
    lower_bound: str
    relative: str
    note: str


def _note(difference: Difference) -> str:
    return reason_text(difference.reason) if difference.reason else f"p = {difference.p_value:.3f}"


def difference_rows(figures: UpliftFigures) -> list[DifferenceRow]:
    report, unit = figures.report, figures.currency_label

    def rate(value: float) -> str:
        return f"{value * 100:.2f}%"

    def points(value: float) -> str:
        return f"{value * 100:+.2f} pp"

    def money(value: float) -> str:
        return f"{value / figures.scale:,.2f}{' ' + unit if unit else ''}"

    def signed_money(value: float) -> str:
        return ("+" if value >= 0 else "") + money(value)

    rows = []
    for name, comparison, plain, signed in (
        ("Conversion rate", report.conversion_rate, rate, points),
        ("Average basket value", report.basket_value, money, signed_money),
        ("Revenue per visitor", report.revenue_per_visitor, money, signed_money),
    ):
        absolute, relative = comparison.absolute, comparison.relative
        available = absolute.available
        treated, held = comparison.treatment, comparison.holdout
        rows.append(
            DifferenceRow(
                metric=name,
                treatment="–" if treated.reason else plain(treated.mean),
                holdout="–" if held.reason else plain(held.mean),
                difference=signed(absolute.estimate) if available else "–",
                interval=f"{signed(absolute.ci_low)} to {signed(absolute.ci_high)}"
                if available
                else "–",
                lower_bound=signed(absolute.lower_bound) if available else "–",
                relative=f"{relative.estimate * 100:+.1f}%" if relative.available else "–",
                note=_note(absolute),
            )
        )
    return rows
