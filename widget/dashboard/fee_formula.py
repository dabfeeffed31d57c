"""The fee in one line with its formula, and in words why no revenue share when none is.

"Fee = licence £49.00 + 15% × lower bound of incremental revenue £1,234.56 = £49.00 +
£185.18 = £234.18": the figures are the fee computation's own (`billing.fees`), so the line
and the invoice cannot differ; the reason is the invoice's (`billing.statement`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from billing import CumulativeFeeComputation
from billing.currency import round_half_up
from billing.fees import PeriodFee
from billing.statement import fee_no_share_reason

_MEASURES = {
    "lower_bound": "lower bound of incremental revenue",
    "point": "point estimate of incremental revenue",
}


@dataclass(frozen=True)
class FeeFormula:
    line: str
    why_no_share: str | None


def fee_formula(fee: PeriodFee, money: Callable[[Decimal], str]) -> FeeFormula:
    contract = fee.contract
    licence = f"licence {money(fee.licence_fee)} + " if fee.licence_fee else ""
    reason = fee_no_share_reason(fee)
    if reason is not None:
        return FeeFormula(
            f"Fee = {licence}no revenue share = {money(fee.total)}",
            f"{reason[0].upper()}{reason[1:]}.",
        )
    share = f"{contract.revenue_share_percent}%"
    if isinstance(fee, CumulativeFeeComputation):
        assert fee.incremental_lower_bound is not None and fee.share_due is not None
        measure = f"lower bound of incremental revenue since {contract.effective_from:%-d %b %Y}"
        product = f"{share} × {measure} {money(fee.incremental_lower_bound)}"
        if fee.billed_before:
            product = f"({product} − {money(fee.billed_before)} billed before)"
        due = max(Decimal(0), fee.share_due - fee.billed_before)
    else:
        assert fee.incremental_revenue is not None
        product = f"{share} × {_MEASURES[contract.basis]} {money(fee.incremental_revenue)}"
        due = contract.revenue_share_percent / 100 * max(Decimal(0), fee.incremental_revenue)
    due = round_half_up(due, contract.currency)
    shown = money(fee.share_fee)
    if fee.share_fee > due:
        shown += f" (the monthly minimum, above {money(due)})"
    elif fee.share_fee < due:
        shown += f" ({money(due)} capped at the monthly cap)"
    if fee.licence_fee:
        return FeeFormula(
            f"Fee = {licence}{product} = {money(fee.licence_fee)} + {shown} = {money(fee.total)}",
            None,
        )
    return FeeFormula(f"Fee = {product} = {shown}", None)
