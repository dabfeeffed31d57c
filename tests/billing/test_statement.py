from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from billing import (
    Contract,
    ExperimentStatistics,
    Period,
    SampleGates,
    compute_cumulative_fee,
    compute_fee,
)
from billing.currency import format_money
from billing.statement import (
    evidence_no_share_reason,
    fee_no_share_reason,
    fee_statement,
    no_share_reason,
    reason_text,
)
from tests.billing.samples import SMALL_GATES, contract, experiment

OCTOBER = Period(2026, 10)
CAP = 10_000


def cumulative_terms(**terms: Any) -> Contract:
    return contract(
        **{
            "basis": "cumulative",
            "monthly_visitors": 10_000,
            "revenue_per_visitor_cap": Decimal("100.00"),
            "gates": SMALL_GATES,
        }
        | terms
    )


def uplift(cap: int | None = CAP) -> ExperimentStatistics:
    """Treated visitors buy 20.00 EUR a third of the time, held-out ones a tenth."""
    return experiment([2000] * 3000 + [0] * 6000, [2000] * 100 + [0] * 900, cap=cap)


def test_a_cumulative_charge_says_the_bound_and_what_was_billed_before() -> None:
    terms = cumulative_terms()
    fee = compute_cumulative_fee(terms, uplift(), Decimal("10.00"), terms.design)
    text = fee_statement(fee, OCTOBER)
    assert text.startswith(
        "From 1 October 2026 to the end of October 2026, 10,000 visitors were measured, "
        "1,000 of them in the holdout. With 97.5% confidence, valid at every monthly invoice, "
        "the widgets brought at least "
    )
    assert "15% of that bound is " in text and "€10.00 was billed before" in text
    assert text.endswith(f"so this month's share is {format_money(fee.share_fee, 'EUR')}.")


def test_a_bound_below_what_was_billed_charges_nothing_more() -> None:
    terms = cumulative_terms()
    fee = compute_cumulative_fee(terms, uplift(), Decimal("100000.00"), terms.design)
    assert fee.share_fee == 0
    assert fee_statement(fee, OCTOBER).endswith(", so nothing more is charged this month.")


def test_no_evidence_of_uplift_is_said_as_such() -> None:
    terms = cumulative_terms()
    same = experiment([2000] * 900 + [0] * 8100, [2000] * 100 + [0] * 900, cap=CAP)
    fee = compute_cumulative_fee(terms, same, Decimal(0), terms.design)
    assert fee.incremental_lower_bound is not None and fee.incremental_lower_bound < 0
    assert fee_statement(fee, OCTOBER).endswith(
        "That is no evidence of uplift yet, so no share is charged."
    )


def test_a_fee_without_a_share_gives_the_reasons_in_words() -> None:
    terms = cumulative_terms(gates=SampleGates(minimum_visitors_per_arm=5_000))
    fee = compute_cumulative_fee(terms, uplift(), Decimal(0), terms.design)
    reasons = [reason_text(reason) for reason in fee.no_share_reasons]
    assert reasons and "an arm is below the minimum number of visitors" in reasons
    assert fee_statement(fee, OCTOBER).endswith(
        f"No revenue share is charged this month: {'; '.join(reasons)}."
    )


def test_the_monthly_bases_say_their_month_and_the_point_basis_warns() -> None:
    lower = compute_fee(contract(gates=SMALL_GATES), uplift(cap=None))
    text = fee_statement(lower, OCTOBER)
    assert text.startswith("In October 2026, 10,000 visitors were measured")
    assert "With 95% confidence, the widgets brought at least" in text
    point = compute_fee(contract(basis="point", gates=SMALL_GATES), uplift(cap=None))
    assert "(a basis that is not safe: it charges without an effect)" in fee_statement(
        point, OCTOBER
    )


def test_a_bound_not_above_zero_is_the_reason_in_words() -> None:
    terms = cumulative_terms()
    same = experiment([2000] * 900 + [0] * 8100, [2000] * 100 + [0] * 900, cap=CAP)
    fee = compute_cumulative_fee(terms, same, Decimal(0), terms.design)
    assert fee.incremental_lower_bound is not None
    bound = format_money(fee.incremental_lower_bound, "EUR")
    assert bound.startswith("-€") and "," in bound
    assert fee_no_share_reason(fee) == (
        f"no revenue share is charged: the measured uplift is not above zero (lower bound {bound})"
    )
    assert evidence_no_share_reason(json.loads(fee.to_json())) == fee_no_share_reason(fee)


def test_the_reason_names_the_gates_and_is_none_when_a_share_is_charged() -> None:
    terms = cumulative_terms(gates=SampleGates(minimum_visitors_per_arm=5_000))
    gated = compute_cumulative_fee(terms, uplift(), Decimal(0), terms.design)
    assert fee_no_share_reason(gated) == (
        "no revenue share is charged: an arm is below the minimum number of visitors"
    )
    charged = cumulative_terms()
    assert (
        fee_no_share_reason(compute_cumulative_fee(charged, uplift(), Decimal(0), charged.design))
        is None
    )


def test_a_contract_minimum_is_charged_whatever_the_bound() -> None:
    assert (
        no_share_reason((), Decimal("-86842.8388"), Decimal("100.00"), "GBP", "lower_bound") is None
    )
    assert no_share_reason((), Decimal("-86842.8388"), Decimal(0), "GBP", "point") == (
        "no revenue share is charged: the measured uplift is not above zero "
        "(point estimate -£86,842.84)"
    )
