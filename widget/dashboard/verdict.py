"""The Uplift page's headline: is it working, in plain words, by the billing's own test.

The evidence is what the fee is computed from: on the cumulative basis the bound since the
contract started (`billing.cumulative`), otherwise the period's Welch comparison of revenue
per visitor at the contract's confidence (95% without a contract). An effect is "measured"
only when its lower bound is above zero and the sample gates pass; "costing you" only
when its interval at the same confidence lies below zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from billing import CumulativeFeeComputation
from billing.sample_size import (
    cumulative_visitors_to_prove,
    visitors_for_gates,
    welch_visitors_to_prove,
)
from billing.statement import reason_text
from billing.sufficient import ExperimentStatistics
from widget.dashboard.uplift import UpliftFigures

# The gates more visitors pass; a sample-ratio mismatch is not one of them.
_SIZE_GATES = ("below_minimum_visitors", "below_minimum_converting_visitors")
Kind = Literal["no_visitors", "unsound", "measured", "not_proven", "no_effect", "costing"]


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    headline: str
    explanation: str


@dataclass(frozen=True)
class _Evidence:
    """The difference in revenue per visitor the fee rests on, in minor units."""

    statistics: ExperimentStatistics
    reason: str | None  # why no difference could be computed
    estimate: float
    lower: float  # the one-sided bound the fee is billed from
    low: float  # the interval shown, the same confidence
    high: float
    confidence: str  # "95% confidence", in words
    since: str  # "in 2026-10" or "since 1 October 2026"
    visitors_to_prove: int | None
    gates_failed: bool
    too_early: bool = False


def verdict(figures: UpliftFigures) -> Verdict:
    if figures.visitors == 0:
        return Verdict(
            "no_visitors",
            "No visitors yet",
            f"No visitor of the shop has been counted in {figures.period} yet. Once the "
            "snippet on the shop's pages sends page views, each visitor is put in the "
            "treatment or the holdout and the verdict appears here.",
        )
    unsound = _unsound(figures)
    if unsound is not None:
        return Verdict(
            "unsound", "No verdict: the measurement is not sound", f"{unsound} (see below)."
        )
    evidence = _evidence(figures)
    money = figures.money_of_minor
    if evidence.reason is not None:
        return Verdict(
            "not_proven",
            "Not proven yet: too few visitors to measure",
            f"No difference can be computed {evidence.since} yet: {evidence.reason}.",
        )
    interval = (
        f"between {money(evidence.low)} and {money(evidence.high)} with {evidence.confidence}"
    )
    if not evidence.too_early and evidence.high < 0:
        return Verdict(
            "costing",
            f"Recommendations are costing you {money(-evidence.estimate)} per visitor",
            f"Visitors who see recommendations spend less than the holdout {evidence.since}: "
            f"the difference in revenue per visitor is {interval}. Check what the widgets show "
            "and where.",
        )
    if evidence.estimate <= 0:
        return Verdict(
            "no_effect",
            "No effect measured",
            f"The difference in revenue per visitor, treatment minus holdout, is "
            f"{money(evidence.estimate)} {evidence.since} ({interval}): no sign yet that "
            "recommendations add revenue.",
        )
    if evidence.lower > 0 and not evidence.too_early and not evidence.gates_failed:
        return Verdict(
            "measured",
            f"Recommendations added {money(evidence.estimate)} per visitor (measured)",
            f"Visitors who see recommendations spend {money(evidence.estimate)} more per "
            f"visitor than the holdout {evidence.since}: at least {money(evidence.lower)} "
            f"with {evidence.confidence}.",
        )
    return _not_proven(figures, evidence)


def _unsound(figures: UpliftFigures) -> str | None:
    if figures.report.sample_ratio.mismatch(figures.gates.sample_ratio_alpha):
        return "The arms' sizes do not match the holdout share: the split is broken"
    if figures.quality.flagged:
        return f"The traffic check flagged {figures.period}, so no lift can be trusted"
    return None


def _evidence(figures: UpliftFigures) -> _Evidence:
    fee = figures.fee
    if isinstance(fee, CumulativeFeeComputation):
        bound = fee.bound
        since = f"since {fee.contract.effective_from:%-d %B %Y}"
        confidence = f"{1 - fee.design.alpha:.1%} confidence at every monthly invoice"
        reason = bound.reason if bound.reason != "too_early" else None
        return _Evidence(
            statistics=fee.statistics,
            reason=None if reason is None else reason_text(reason),
            estimate=bound.estimate,
            lower=bound.lower_bound,
            low=bound.lower_bound,
            high=bound.estimate + bound.multiplier * bound.standard_error,
            confidence=confidence,
            since=since,
            visitors_to_prove=cumulative_visitors_to_prove(bound, fee.design),
            gates_failed=any(reason in _SIZE_GATES for reason in fee.no_share_reasons),
            too_early=bound.reason == "too_early",
        )
    report = figures.report
    difference = report.revenue_per_visitor.absolute
    return _Evidence(
        statistics=figures.statistics,
        reason=None if difference.reason is None else reason_text(difference.reason),
        estimate=difference.estimate,
        lower=difference.lower_bound,
        low=difference.ci_low,
        high=difference.ci_high,
        confidence=f"{report.confidence_level:.0%} confidence",
        since=f"in {figures.period}",
        visitors_to_prove=welch_visitors_to_prove(
            report.revenue_per_visitor, report.confidence_level
        ),
        gates_failed=any(reason in _SIZE_GATES for reason in report.failed_gates),
    )


def _not_proven(figures: UpliftFigures, evidence: _Evidence) -> Verdict:
    money = figures.money_of_minor
    statistics = evidence.statistics
    now = statistics.treatment.visitors + statistics.holdout.visitors
    bound_clear = not evidence.too_early and evidence.lower > 0
    needed = [] if bound_clear else [evidence.visitors_to_prove]
    if evidence.gates_failed:
        needed.append(visitors_for_gates(statistics, figures.gates))
    so_far = (
        f"Visitors who see recommendations spend {money(evidence.estimate)} more per visitor "
        f"than the holdout {evidence.since}, "
    )
    if evidence.too_early:
        so_far += "but the bound that bills is not computed this early in a contract."
    elif bound_clear:
        so_far += (
            f"at least {money(evidence.lower)} with {evidence.confidence}, but the sample is "
            "below the contract's minimum."
        )
    else:
        so_far += (
            f"but with {evidence.confidence} the difference may be as low as "
            f"{money(evidence.lower)}."
        )
    if None in needed:
        return Verdict(
            "not_proven",
            "Not proven yet: the effect is too small to prove at this traffic",
            f"{so_far} At this size, no number of visitors within reach would prove it.",
        )
    more = about(max(0, max(n for n in needed if n is not None) - now))
    steps = [] if bound_clear else ["the lower bound rises above zero"]
    if evidence.gates_failed:
        gates = figures.gates
        minimum = f"{gates.minimum_visitors_per_arm:,} visitors"
        if gates.minimum_converting_visitors_per_arm:
            minimum += f" and {gates.minimum_converting_visitors_per_arm:,} buyers"
        steps.append(f"each arm reaches the minimum of {minimum}")
    odds = (
        ""
        if bound_clear
        else " A real effect of this size is proven that soon only about half the time."
    )
    return Verdict(
        "not_proven",
        f"Not proven yet: about {more:,} more visitors needed at this effect",
        f"{so_far} If the difference and its spread stay as measured, {' and '.join(steps)} "
        f"after about {more:,} more visitors of both arms.{odds}",
    )


def about(visitors: int) -> int:
    """Rounded up to two significant figures: 12,345 as 13,000."""
    if visitors < 100:
        return visitors
    unit = 10 ** (len(str(visitors)) - 2)
    return int(math.ceil(visitors / unit) * unit)
