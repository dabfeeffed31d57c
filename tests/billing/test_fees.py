from __future__ import annotations

import json
import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from billing import (
    Basis,
    CumulativeFeeComputation,
    ExperimentStatistics,
    FeeComputation,
    IncompatibleStatistics,
    InvalidBilledAmount,
    SequenceDesign,
    compute_cumulative_fee,
    compute_fee,
    cumulative_bound,
)
from tests.billing.samples import (
    SMALL_GATES,
    contract,
    drawn_experiment,
    drawn_revenue,
    experiment,
    skewed_month,
)

LICENCE, MINIMUM, CAP = Decimal("49.00"), Decimal("10.00"), Decimal("500.00")


def _fee(treated: list[int], holdout: list[int], basis: Basis = "point") -> FeeComputation:
    terms = contract(
        basis=basis, holdout_share=0.5, gates=SMALL_GATES, monthly_licence_fee=LICENCE,
        minimum_fee=MINIMUM, fee_cap=CAP,
    )  # fmt: skip
    return compute_fee(terms, experiment(treated, holdout))


def test_golden_fee_on_the_lower_bound() -> None:
    fee = compute_fee(contract(monthly_licence_fee=LICENCE), drawn_experiment(seed=4))
    assert (fee.share_fee, fee.total) == (Decimal("1463.08"), Decimal("1512.08"))
    assert round(fee.uplift.revenue_per_visitor.absolute.lower_bound, 5) == 108.37627


def test_fee_matches_scipy_lower_bound() -> None:
    treated, holdout = drawn_revenue(seed=5)
    reference = stats.ttest_ind(treated, holdout, equal_var=False, alternative="greater")
    lower_bound_cents = Decimal(repr(float(reference.confidence_interval(0.95).low)))
    expected = (Decimal("0.15") * 9000 * lower_bound_cents / 100).quantize(Decimal("0.01"))
    assert compute_fee(contract(), drawn_experiment(seed=5)).share_fee == expected


def test_point_basis_charges_more_than_the_lower_bound() -> None:
    point = compute_fee(contract(basis="point"), drawn_experiment(seed=4))
    assert point.share_fee > Decimal("1463.08")


def test_no_uplift_charges_the_minimum() -> None:
    assert _fee([0, 100, 0, 100], [0, 900, 0, 900]).total == LICENCE + MINIMUM


def test_large_uplift_is_capped() -> None:
    assert _fee([0, 10**9, 10**9, 10**9], [0, 0, 100, 0]).total == LICENCE + CAP


def test_failed_gate_charges_no_share_and_says_why() -> None:
    fee = compute_fee(contract(monthly_licence_fee=LICENCE), experiment([0, 900], [0, 500]))
    assert fee.no_share_reasons == ("below_minimum_visitors", "below_minimum_converting_visitors")
    assert (fee.share_fee, fee.total, fee.incremental_revenue) == (Decimal(0), LICENCE, None)


def test_uncomputable_difference_charges_no_share() -> None:
    assert _fee([700, 700], [700, 700]).no_share_reasons == ("zero_variance",)


def test_statistics_under_another_cap_are_refused() -> None:
    terms = contract(revenue_per_visitor_cap=Decimal("100.00"))
    with pytest.raises(IncompatibleStatistics):
        compute_fee(terms, experiment([0, 500], [0, 500], cap=20000))


def test_evidence_serialises_decimals_as_strings() -> None:
    evidence = json.loads(compute_fee(contract(), drawn_experiment(seed=4)).to_json())
    assert (evidence["share_fee"], evidence["contract"]["version"]) == ("1463.08", 1)
    assert evidence["uplift"]["revenue_per_visitor"]["absolute"]["lower_bound"] > 0
    assert evidence["statistics"]["treatment"]["visitors"] == 9000


def test_lower_bound_fee_can_fall_when_a_treated_visitor_spends_more() -> None:
    # A known limit of the lower-bound basis: one outlier widens the interval more than it
    # lifts the mean, so monotonicity in revenue holds for the point basis only.
    treated, holdout = [0] * 60 + [5000] * 40, [0] * 80 + [5000] * 20
    before = _fee(treated, holdout, basis="lower_bound")
    after = _fee(treated[:-1] + [1_005_000], holdout, basis="lower_bound")
    assert before.share_fee > after.share_fee


def test_the_revenue_cap_restores_monotonicity_for_the_outlier() -> None:
    treated, holdout = [0] * 60 + [5000] * 40, [0] * 80 + [5000] * 20
    terms = contract(
        holdout_share=0.5, gates=SMALL_GATES, minimum_fee=MINIMUM, fee_cap=CAP,
        revenue_per_visitor_cap=Decimal("100.00"),
    )  # fmt: skip
    before = compute_fee(terms, experiment(treated, holdout, cap=10000))
    after = compute_fee(terms, experiment(treated[:-1] + [1_005_000], holdout, cap=10000))
    assert (before.share_fee, after.share_fee) == (Decimal("71.20"), Decimal("76.57"))


def test_rounding_the_incremental_revenue_first_would_cost_a_cent() -> None:
    terms = contract(
        basis="point", revenue_share_percent=Decimal(50), holdout_share=0.5, gates=SMALL_GATES
    )
    fee = compute_fee(terms, experiment([2, 5, 5], [3, 2]))
    # 50% of 0.045 is 0.0225, so 0.02; rounding 0.045 to 0.05 first would bill 0.03
    assert (fee.incremental_revenue, fee.share_fee) == (Decimal("0.045"), Decimal("0.02"))


_arm = st.lists(
    st.sampled_from([0, 0, 500, 1500, 4000]) | st.integers(0, 10**6), min_size=2, max_size=25
)


def _with_more_revenue(revenue: list[int], data: st.DataObject) -> list[int]:
    index = data.draw(st.integers(0, len(revenue) - 1))
    return (
        revenue[:index] + [revenue[index] + data.draw(st.integers(1, 10**6))] + revenue[index + 1 :]
    )


def _both_computable(*fees: FeeComputation) -> bool:
    # at zero variance in both arms no share is billed: a gate, where monotonicity pauses
    return all("zero_variance" not in fee.no_share_reasons for fee in fees)


@settings(deadline=None)
@given(_arm, _arm, st.data())
def test_more_treated_revenue_never_lowers_the_fee(
    treated: list[int], holdout: list[int], data: st.DataObject
) -> None:
    before, after = _fee(treated, holdout), _fee(_with_more_revenue(treated, data), holdout)
    assume(_both_computable(before, after))
    assert after.total >= before.total


@settings(deadline=None)
@given(_arm, _arm, st.data())
def test_more_holdout_revenue_never_raises_the_fee(
    treated: list[int], holdout: list[int], data: st.DataObject
) -> None:
    before, after = _fee(treated, holdout), _fee(treated, _with_more_revenue(holdout, data))
    assume(_both_computable(before, after))
    assert after.total <= before.total


@settings(deadline=None)
@given(_arm, _arm, st.sampled_from(["point", "lower_bound"]))
def test_share_fee_lies_between_minimum_and_cap(
    treated: list[int], holdout: list[int], basis: Basis
) -> None:
    fee = _fee(treated, holdout, basis)
    assert MINIMUM <= fee.share_fee <= CAP if fee.charges_share else fee.share_fee == 0


@settings(deadline=None)
@given(_arm, _arm, st.integers(1, 100_000).map(lambda thousandths: Decimal(thousandths) / 1000))
def test_the_fee_is_rounded_once(treated: list[int], holdout: list[int], share: Decimal) -> None:
    terms = contract(
        basis="point", revenue_share_percent=share, holdout_share=0.5, gates=SMALL_GATES
    )
    fee = compute_fee(terms, experiment(treated, holdout))
    assume(fee.charges_share)
    cents_per_visitor = Fraction(repr(fee.uplift.revenue_per_visitor.absolute.estimate))
    exact_cents = Fraction(share) / 100 * fee.treated_visitors * max(cents_per_visitor, Fraction(0))
    assert fee.share_fee == Decimal(math.floor(exact_cents + Fraction(1, 2))) / 100


DESIGN = SequenceDesign.for_monthly_visitors(10_000)


def _months(count: int) -> ExperimentStatistics:
    months = [drawn_experiment(seed) for seed in range(count)]
    return sum(months[1:], months[0])


# Each drawn month has 10,000 visitors; the tenth invoice follows nine.
EARLIER_LOOKS = tuple(10_000 * month for month in range(1, 10))


def _cumulative(billed_before: str, **terms: Any) -> CumulativeFeeComputation:
    return compute_cumulative_fee(
        contract(**terms), _months(10), Decimal(billed_before), DESIGN, earlier_looks=EARLIER_LOOKS
    )


def test_golden_cumulative_fee_over_ten_months() -> None:
    fee = _cumulative("0.00", monthly_licence_fee=LICENCE)
    assert (fee.share_fee, fee.total) == (Decimal("16784.25"), Decimal("16833.25"))
    assert round(fee.bound.incremental_lower_bound / 100, 5) == round(
        float(fee.incremental_lower_bound or 0), 5
    )


def test_cumulative_fee_is_the_share_of_the_bound_in_decimal() -> None:
    lower_bound = cumulative_bound(_months(10), DESIGN, earlier_looks=EARLIER_LOOKS).lower_bound
    expected = Decimal("0.15") * 90_000 * Decimal(repr(lower_bound)) / 100
    assert _cumulative("0.00").share_fee == expected.quantize(Decimal("0.01"))


def test_true_up_bills_only_what_was_not_billed_before() -> None:
    assert _cumulative("5000.00").share_fee == Decimal("11784.25")


def test_nothing_is_credited_back_when_more_was_billed_before() -> None:
    fee = _cumulative("20000.00", monthly_licence_fee=LICENCE)
    assert (fee.share_fee, fee.total, fee.no_share_reasons) == (Decimal(0), LICENCE, ())


def test_share_held_back_by_the_cap_is_billed_in_a_later_month() -> None:
    assert _cumulative("0.00", fee_cap=Decimal("10000.00")).share_fee == Decimal("10000.00")
    assert _cumulative("10000.00", fee_cap=Decimal("10000.00")).share_fee == Decimal("6784.25")


def test_monthly_true_ups_add_up_to_the_share_of_the_last_bound() -> None:
    billed = Decimal(0)
    for months in range(1, 11):
        looks = EARLIER_LOOKS[: months - 1]
        fee = compute_cumulative_fee(
            contract(), _months(months), billed, DESIGN, earlier_looks=looks
        )
        billed += fee.share_fee
    assert billed == Decimal("16784.25")


def test_failed_gate_charges_no_cumulative_share() -> None:
    fee = compute_cumulative_fee(contract(), experiment([0, 900], [0, 500]), Decimal(0), DESIGN)
    # four visitors are also far too few for the spending to have started
    assert fee.no_share_reasons == (
        "below_minimum_visitors",
        "below_minimum_converting_visitors",
        "too_early",
    )
    assert (fee.share_fee, fee.incremental_lower_bound, fee.share_due) == (Decimal(0), None, None)
    assert (fee.bound.multiplier, fee.bound.lower_bound) == (0.0, 0.0)


def test_uncomputable_bound_charges_no_share_and_says_why() -> None:
    terms = contract(holdout_share=0.5, gates=SMALL_GATES)
    fee = compute_cumulative_fee(terms, experiment([700, 700], [700, 700]), Decimal(0), DESIGN)
    assert (fee.no_share_reasons, fee.share_fee) == (("zero_variance",), Decimal(0))


@pytest.mark.parametrize("billed_before", ["-0.01", "0.001", "NaN"])
def test_billed_before_off_the_grid_is_refused(billed_before: str) -> None:
    with pytest.raises(InvalidBilledAmount):
        _cumulative(billed_before)


def test_cumulative_evidence_serialises_decimals_as_strings() -> None:
    evidence = json.loads(_cumulative("5000.00").to_json())
    assert (evidence["share_fee"], evidence["billed_before"]) == ("11784.25", "5000.00")
    assert evidence["bound"]["earlier_looks"] == list(EARLIER_LOOKS)


def test_no_effect_is_rarely_charged_within_six_months() -> None:
    # A/A, skewed baskets, 10% holdout: 40 holdout buyers a month. Welch's error alone
    # charges in about 7% of such runs; the bound must stay near its 2.5%.
    rng, runs, charged = np.random.default_rng(11), 300, 0
    terms, design = contract(gates=SMALL_GATES), SequenceDesign.for_monthly_visitors(8_000)
    for _ in range(runs):
        total, billed = skewed_month(rng, 8_000), Decimal(0)
        for month in range(6):
            total = total + skewed_month(rng, 8_000) if month else total
            looks = tuple(8_000 * earlier for earlier in range(1, month + 1))
            fee = compute_cumulative_fee(terms, total, billed, design, earlier_looks=looks)
            billed += fee.share_fee
        charged += billed > 0
    assert charged / runs <= 0.025 + 3 * math.sqrt(0.025 * 0.975 / runs)
