"""A fee in one plain sentence: what was measured, the bound, what was billed before and why
this month's amount. The invoice, its PDF and the dashboard all say it in these words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from billing.currency import format_money, minor_unit_exponent
from billing.fees import CumulativeFeeComputation, FeeComputation, PeriodFee
from billing.periods import Period

_REASONS = {
    "empty_arm": "an arm has no visitors yet",
    "too_few_visitors": "an arm has fewer than two visitors",
    "zero_denominator": "an arm has no orders",
    "zero_variance": "the values do not vary yet",
    "zero_baseline": "the holdout's value is zero",
    "sample_ratio_mismatch": "the arms' sizes do not match the holdout share (sample ratio)",
    "below_minimum_visitors": "an arm is below the minimum number of visitors",
    "below_minimum_converting_visitors": "an arm is below the minimum of converting visitors",
    "too_early": "too few visitors yet for a bound valid at every monthly invoice (the first "
    "months of a contract rarely bill)",
    "traffic_quality": "the traffic-quality check flagged this period (see Traffic quality)",
}


def reason_text(reason: str) -> str:
    """A no-share reason code in words."""
    return _REASONS.get(reason, reason.replace("_", " "))


def no_share_reason(
    reasons: Sequence[str],
    incremental: Decimal | None,
    share_fee: Decimal,
    currency: str,
    basis: str,
) -> str | None:
    """Why a fee charges no revenue share, in the words the invoice, its PDF and the dashboard
    use; None when it charges one. `incremental` is the incremental revenue the share is taken
    of (the lower bound; the estimate on the `point` basis), in major units: a bound at or
    below zero charges nothing unless the contract's minimum does."""
    if reasons:
        return "no revenue share is charged: " + "; ".join(reason_text(r) for r in reasons)
    if incremental is not None and incremental <= 0 and share_fee == 0:
        measure = "point estimate" if basis == "point" else "lower bound"
        return (
            "no revenue share is charged: the measured uplift is not above zero "
            f"({measure} {format_money(incremental, currency)})"
        )
    return None


def fee_no_share_reason(fee: PeriodFee) -> str | None:
    """`no_share_reason` of a fee computation."""
    if isinstance(fee, CumulativeFeeComputation):
        incremental = fee.incremental_lower_bound
    else:
        incremental = fee.incremental_revenue
    contract = fee.contract
    return no_share_reason(
        fee.no_share_reasons, incremental, fee.share_fee, contract.currency, contract.basis
    )


def evidence_no_share_reason(evidence: dict[str, Any]) -> str | None:
    """`no_share_reason` of a fee as an invoice stored it (`Draft.evidence`)."""
    contract = evidence["contract"]
    cumulative = contract["basis"] == "cumulative"
    found = evidence.get("incremental_lower_bound" if cumulative else "incremental_revenue")
    return no_share_reason(
        evidence["no_share_reasons"],
        None if found is None else Decimal(found),
        Decimal(evidence["share_fee"]),
        contract["currency"],
        contract["basis"],
    )


def fee_statement(fee: PeriodFee, period: Period) -> str:
    if isinstance(fee, CumulativeFeeComputation):
        return _cumulative(fee, period)
    return _monthly(fee, period)


def _cumulative(fee: CumulativeFeeComputation, period: Period) -> str:
    contract = fee.contract
    money = _money_in(contract.currency)
    since = f"From {contract.effective_from:%-d %B %Y} to the end of {period.last_day:%B %Y}"
    measured = _measured(fee, since)
    if not fee.charges_share or fee.incremental_lower_bound is None or fee.share_due is None:
        return f"{measured} No revenue share is charged this month: {_reasons(fee)}."
    confidence = 1 - fee.design.alpha
    bound = (
        f" With {confidence:.1%} confidence, valid at every monthly invoice, the widgets "
        f"brought at least {money(fee.incremental_lower_bound)} of extra revenue "
        f"(estimate {money(_major(fee.bound.incremental_estimate, contract.currency))})."
    )
    if fee.incremental_lower_bound <= 0:
        return f"{measured}{bound} That is no evidence of uplift yet, so no share is charged."
    due = (
        f" {contract.revenue_share_percent}% of that bound is {money(fee.share_due)}; "
        f"{money(fee.billed_before)} was billed before under this contract"
    )
    if fee.share_fee == 0:
        return f"{measured}{bound}{due}, so nothing more is charged this month."
    return f"{measured}{bound}{due}, so this month's share is {money(fee.share_fee)}{_limits(fee)}."


def _monthly(fee: FeeComputation, period: Period) -> str:
    contract = fee.contract
    money = _money_in(contract.currency)
    measured = _measured(fee, f"In {period.first_day:%B %Y}")
    if not fee.charges_share or fee.incremental_revenue is None:
        return f"{measured} No revenue share is charged: {_reasons(fee)}."
    if contract.basis == "point":
        basis = "By the point estimate (a basis that is not safe: it charges without an effect)"
    else:
        basis = f"With {contract.confidence_level:.0%} confidence"
    if fee.incremental_revenue <= 0:
        return (
            f"{measured} {basis}, the widgets brought at least "
            f"{money(fee.incremental_revenue)} of extra revenue: no evidence of uplift, so no "
            "share is charged."
        )
    return (
        f"{measured} {basis}, the widgets brought at least {money(fee.incremental_revenue)} of "
        f"extra revenue this month; {contract.revenue_share_percent}% of it is "
        f"{money(fee.share_fee)}{_limits(fee)}."
    )


def _measured(fee: PeriodFee, when: str) -> str:
    treated, holdout = fee.statistics.treatment.visitors, fee.statistics.holdout.visitors
    return (
        f"{when}, {treated + holdout:,} visitors were measured, {holdout:,} of them in the holdout."
    )


def _reasons(fee: PeriodFee) -> str:
    return "; ".join(reason_text(reason) for reason in fee.no_share_reasons)


def _limits(fee: PeriodFee) -> str:
    contract = fee.contract
    if contract.fee_cap is not None and fee.share_fee == contract.fee_cap:
        return " (the contract's monthly cap)"
    if contract.minimum_fee and fee.share_fee == contract.minimum_fee:
        return " (the contract's monthly minimum)"
    return ""


def _major(amount_minor: float, currency: str) -> Decimal:
    return Decimal(repr(amount_minor)).scaleb(-minor_unit_exponent(currency))


def _money_in(currency: str) -> Callable[[Decimal], str]:
    def money(amount: Decimal) -> str:
        return format_money(amount, currency)

    return money
