"""The Uplift page's headline and fee line, from statistics built through the library."""

from __future__ import annotations

from decimal import Decimal

from billing import (
    Contract,
    ExperimentStatistics,
    FeeComputation,
    Period,
    SampleGates,
    arm_table,
    compute_cumulative_fee,
    compute_fee,
)
from billing.currency import format_money
from billing.fees import PeriodFee
from billing.sample_size import welch_visitors_to_prove
from billing.traffic_quality import TrafficQuality
from billing.uplift import estimate_uplift
from tests.billing.samples import SMALL_GATES, contract, experiment
from tests.billing.test_statement import cumulative_terms
from widget.dashboard.fee_formula import fee_formula
from widget.dashboard.uplift import UpliftFigures
from widget.dashboard.verdict import about, verdict


def figures(
    statistics: ExperimentStatistics, terms: Contract | None, fee: PeriodFee | None = None
) -> UpliftFigures:
    confidence = terms.confidence_level if terms else 0.95
    gates = terms.gates if terms else SampleGates()
    share = terms.holdout_share if terms else 0.1
    report = estimate_uplift(
        statistics, confidence_level=confidence, holdout_share=share, gates=gates
    )
    return UpliftFigures(
        period=Period(2026, 10),
        contract=terms,
        currency="EUR",
        holdout_share=share,
        revenue_cap_minor=None,
        arms=arm_table(statistics),
        statistics=statistics,
        gates=gates,
        report=report,
        cumulative=[],
        daily={"treatment": [], "holdout": []},
        fee=fee,
        days=1,
        quality=TrafficQuality(report.sample_ratio, gates.sample_ratio_alpha),
    )


def monthly(treated: list[int], held: list[int], **terms: object) -> UpliftFigures:
    agreed = contract(**{"gates": SMALL_GATES} | terms)
    statistics = experiment(treated, held)
    return figures(statistics, agreed, compute_fee(agreed, statistics))


# 9,000 treated visitors and 1,000 held out, buying 20.00 EUR baskets at these rates
def arms(treated_buyers: int, held_buyers: int) -> tuple[list[int], list[int]]:
    return (
        [2000] * treated_buyers + [0] * (9000 - treated_buyers),
        [2000] * held_buyers + [0] * (1000 - held_buyers),
    )


def test_a_measured_effect_is_the_headline() -> None:
    found = verdict(monthly(*arms(3000, 100)))
    assert found.kind == "measured"
    assert found.headline == "Recommendations added €4.67 per visitor (measured)"
    assert found.explanation.startswith(
        "Visitors who see recommendations spend €4.67 more per visitor than the holdout "
        "in 2026-10: at least €4."
    )


def test_an_effect_not_proven_says_how_many_more_visitors() -> None:
    page = monthly(*arms(1000, 100))
    needed = welch_visitors_to_prove(page.report.revenue_per_visitor, 0.95)
    assert needed is not None and needed > 10_000
    found = verdict(page)
    assert found.kind == "not_proven"
    more = about(needed - 10_000)
    assert found.headline == f"Not proven yet: about {more:,} more visitors needed at this effect"
    assert f"after about {more:,} more visitors of both arms." in found.explanation


def test_visitors_for_the_gates_count_when_the_bound_alone_would_do() -> None:
    found = verdict(monthly(*arms(3000, 100), gates=SampleGates(5000, 0)))
    # the holdout is a tenth of visitors: 50,000 for its 5,000, so 40,000 more
    assert found.headline == "Not proven yet: about 40,000 more visitors needed at this effect"
    assert "at least €4.31 with 95% confidence, but the sample is below" in found.explanation
    assert (
        "stay as measured, each arm reaches the minimum of 5,000 visitors after about 40,000 "
        "more visitors of both arms."
    ) in found.explanation


def test_recommendations_that_lower_revenue_are_said_to_cost() -> None:
    found = verdict(monthly(*arms(500, 200)))
    assert found.kind == "costing"
    assert found.headline == "Recommendations are costing you €2.89 per visitor"


def test_a_difference_at_or_below_zero_within_its_interval_is_no_effect() -> None:
    found = verdict(monthly(*arms(880, 100)))
    assert found.kind == "no_effect" and found.headline == "No effect measured"
    assert "is -€0.04 in 2026-10 (between -€" in found.explanation


def test_no_visitors_and_a_broken_split_are_said_before_any_figure() -> None:
    empty = ExperimentStatistics("EUR", None)
    assert verdict(figures(empty, None)).headline == "No visitors yet"
    broken = experiment([2000] * 3000 + [0] * 2000, [2000] * 500 + [0] * 4500)
    found = verdict(figures(broken, contract(gates=SMALL_GATES)))
    assert found.kind == "unsound"
    assert "the split is broken" in found.explanation


def test_the_cumulative_basis_judges_by_its_bound_since_the_contract_started() -> None:
    terms = cumulative_terms()
    statistics = experiment(*arms(3000, 100), cap=10_000)
    fee = compute_cumulative_fee(terms, statistics, Decimal(0), terms.design)
    found = verdict(figures(statistics, terms, fee))
    assert found.headline == "Recommendations added €4.67 per visitor (measured)"
    assert "since 1 October 2026: at least €" in found.explanation
    assert "with 97.5% confidence at every monthly invoice" in found.explanation


def euros(amount: Decimal) -> str:
    return format_money(amount, "EUR")


def test_the_fee_line_shows_its_formula_and_the_cap() -> None:
    page = monthly(*arms(3000, 100), fee_cap=Decimal("100.00"), monthly_licence_fee=Decimal(49))
    fee = page.fee
    assert isinstance(fee, FeeComputation) and fee.incremental_revenue is not None
    assert fee.share_fee == Decimal("100.00")
    incremental = fee.incremental_revenue
    due = Decimal("0.15") * incremental
    formula = fee_formula(fee, euros)
    assert formula.line == (
        f"Fee = licence €49.00 + 15% × lower bound of incremental revenue {euros(incremental)} "
        f"= €49.00 + €100.00 ({euros(due)} capped at the monthly cap) = €149.00"
    )
    assert formula.why_no_share is None


def test_a_monthly_minimum_is_named_and_no_share_is_explained() -> None:
    page = monthly(*arms(880, 100), minimum_fee=Decimal("50.00"))
    assert page.fee is not None
    formula = fee_formula(page.fee, euros)
    assert formula.line.startswith("Fee = 15% × lower bound of incremental revenue -€")
    assert formula.line.endswith(" = €50.00 (the monthly minimum, above €0.00)")
    empty = monthly([0, 0], [0, 0], monthly_licence_fee=Decimal(49))
    assert empty.fee is not None
    formula = fee_formula(empty.fee, euros)
    assert formula.line == "Fee = licence €49.00 + no revenue share = €49.00"
    assert formula.why_no_share == "No revenue share is charged: the values do not vary yet."


def test_a_cumulative_fee_line_subtracts_what_was_billed_before() -> None:
    terms = cumulative_terms()
    statistics = experiment(*arms(3000, 100), cap=10_000)
    fee = compute_cumulative_fee(terms, statistics, Decimal("10.00"), terms.design)
    assert fee.incremental_lower_bound is not None and fee.share_due is not None
    assert fee_formula(fee, euros).line == (
        "Fee = (15% × lower bound of incremental revenue since 1 Oct 2026 "
        f"{euros(fee.incremental_lower_bound)} − €10.00 billed before) = "
        f"{euros(fee.share_fee)}"
    )
