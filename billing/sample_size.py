"""How many visitors until an effect is proven, if it stays as measured.

"Proven" is the billing's own test: the one-sided lower bound on the difference in revenue
per visitor above zero, by Welch's t at the contract's confidence on the monthly bases
(`billing.inference`) or by the group-sequential bound at the next invoice's look on the
cumulative basis (`billing.cumulative`), and the sample gates passed (`billing.uplift`).

"As measured": the estimate, each arm's variance per visitor and conversion rate stay as
they are and the arms keep their shares of the visitors, so the standard error shrinks as
1 / sqrt(visitors). A true effect of exactly this size is proven by then only about half the
time (the estimate moves as visitors come): a horizon to read, not a promise.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from scipy import stats

from billing.cumulative import CumulativeBound
from billing.group_sequential import SequenceDesign
from billing.inference import ArmEstimate, Comparison
from billing.sufficient import ExperimentStatistics
from billing.uplift import SampleGates

# Further than this is out of reach: said as such, not as a number of visitors.
MOST_VISITORS = 10**10


def welch_visitors_to_prove(comparison: Comparison, confidence: float) -> int | None:
    """Visitors of both arms at which Welch's one-sided bound at `confidence` reaches zero;
    None when the estimate is not above zero, cannot be computed, or is out of reach."""
    absolute = comparison.absolute
    if absolute.reason is not None or absolute.estimate <= 0:
        return None
    treatment, holdout = comparison.treatment, comparison.holdout
    now = treatment.n + holdout.n

    def margin(visitors: float) -> float:
        scale = visitors / now
        dof = _welch_dof(treatment, holdout, scale)
        critical = float(stats.t.ppf(confidence, dof))
        return absolute.estimate - critical * absolute.standard_error / math.sqrt(scale)

    # each arm keeps two visitors at least, below which there is no variance
    fewest = 2 * now / min(treatment.n, holdout.n)
    return _first_above_zero(margin, fewest)


def _welch_dof(treatment: ArmEstimate, holdout: ArmEstimate, scale: float) -> float:
    """Welch–Satterthwaite degrees of freedom with both arms `scale` times as large."""
    n_t, n_h = treatment.n * scale, holdout.n * scale
    v_t, v_h = treatment.variance / n_t, holdout.variance / n_h
    return (v_t + v_h) ** 2 / (v_t**2 / (n_t - 1) + v_h**2 / (n_h - 1))


def cumulative_visitors_to_prove(bound: CumulativeBound, design: SequenceDesign) -> int | None:
    """Visitors of both arms since the contract started at which the next look's bound
    reaches zero (after the same earlier looks); None as for `welch_visitors_to_prove`."""
    if bound.reason not in (None, "too_early") or bound.estimate <= 0:
        return None
    now = bound.visitors

    def margin(visitors: float) -> float:
        critical = design.critical_value(math.ceil(visitors), bound.earlier_looks)
        return bound.estimate - critical * bound.standard_error * math.sqrt(now / visitors)

    return _first_above_zero(margin, now)


def _first_above_zero(margin: Callable[[float], float], fewest: float) -> int | None:
    """The fewest whole visitors from `fewest` on where the increasing `margin` is above 0."""
    if margin(fewest) > 0:
        return math.ceil(fewest)
    low = high = fewest
    while margin(high) <= 0:
        if high >= MOST_VISITORS:
            return None
        low, high = high, min(high * 2, MOST_VISITORS)
    # the bound's critical value steps with whole visitors: bisect on whole numbers
    low_whole, high_whole = math.floor(low), math.ceil(high)
    while high_whole - low_whole > 1:
        middle = (low_whole + high_whole) // 2
        if middle > fewest and margin(middle) > 0:
            high_whole = middle
        else:
            low_whole = middle
    return high_whole


def visitors_for_gates(statistics: ExperimentStatistics, gates: SampleGates) -> int | None:
    """Visitors of both arms at which each arm reaches the gates' minimum visitors and
    converting visitors; None when an arm has no visitors or no converting one to scale."""
    total = statistics.treatment.visitors + statistics.holdout.visitors
    needed = 0.0
    for arm in (statistics.treatment, statistics.holdout):
        if arm.visitors == 0:
            return None
        needed = max(needed, gates.minimum_visitors_per_arm * total / arm.visitors)
        if arm.converting_visitors < gates.minimum_converting_visitors_per_arm:
            if arm.converting_visitors == 0:
                return None
            minimum = gates.minimum_converting_visitors_per_arm
            needed = max(needed, minimum * total / arm.converting_visitors)
    return math.ceil(needed)
