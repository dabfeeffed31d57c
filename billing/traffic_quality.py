"""Traffic quality: does a period's traffic look like real visitors, evenly assigned?

Either finding means no share fee (reason `traffic_quality`) and a flag both sides see, on
the invoice's evidence and the dashboard, never a silent change of the amount:
- a sample-ratio mismatch at the contract's `sample_ratio_alpha` (`billing.srm`);
- a burst of zero-engagement visitors (seen by the server, but with no page view, click
  or order in the period): a day and arm whose share of them is far above the shop's
  normal (the other days' and arm's share, at least `NORMAL_ZERO_SHARE`), or one arm's
  share far from the other's. "Far" is a one-sided binomial test (Fisher's exact test
  between arms) at the same alpha, Bonferroni-divided over the cells, and at least
  `BURST_RATIO` times the normal share.

Forged visitors now count in both arms alike (they are counted at assignment), so they
move the fee only through chance; volumes that could are what these checks make visible.
`compute_fee` and `compute_cumulative_fee` both take the verdict through `quality_reasons`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from scipy import stats

from billing.ledger import VisitorRow
from billing.periods import Period
from billing.recompute import seen_visitor_rows
from billing.srm import SampleRatioCheck, check_sample_ratio
from billing.sufficient import Arm, ExperimentStatistics

QualityReason = Literal["traffic_quality"]

# The share of zero-engagement visitors a shop is assumed to have at least (visitors who
# leave before the snippet's first batch, or whose events a blocker stops while the widget
# loads): a day is judged against the larger of this and what the shop's other days and
# arm show, so a shop whose normal is near zero is not flagged for a handful of them.
NORMAL_ZERO_SHARE = 0.02
BURST_RATIO = 2.0


@dataclass(frozen=True)
class Engagement:
    """One day and arm: visitors seen, and those of them with no engagement at all."""

    day: datetime.date
    arm: Arm
    visitors: int
    zero_engagement: int

    @property
    def share(self) -> float:
        return self.zero_engagement / self.visitors if self.visitors else 0.0


@dataclass(frozen=True)
class Burst:
    """A finding: `where` is a day and arm (`2026-11-23 holdout`) or `arms`."""

    where: str
    visitors: int
    zero_engagement: int
    normal_share: float
    p_value: float


@dataclass(frozen=True)
class TrafficQuality:
    """The period's checks; `flagged` means no share fee."""

    sample_ratio: SampleRatioCheck
    alpha: float
    engagement: tuple[Engagement, ...] = ()
    bursts: tuple[Burst, ...] = field(default=())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrafficQuality:
        """From the invoice evidence's JSON form."""
        engagement = tuple(
            Engagement(**cell | {"day": datetime.date.fromisoformat(cell["day"])})
            for cell in data["engagement"]
        )
        return cls(
            SampleRatioCheck(**data["sample_ratio"]),
            data["alpha"],
            engagement,
            tuple(Burst(**burst) for burst in data["bursts"]),
        )

    @property
    def sample_ratio_mismatch(self) -> bool:
        return self.sample_ratio.mismatch(self.alpha)

    @property
    def flagged(self) -> bool:
        return self.sample_ratio_mismatch or bool(self.bursts)


def quality_reasons(quality: TrafficQuality | None) -> tuple[QualityReason, ...]:
    """The no-share reason of a flagged period; empty when there is no verdict or no flag."""
    return ("traffic_quality",) if quality is not None and quality.flagged else ()


def engagement_of(rows: Iterable[tuple[bool, VisitorRow]]) -> tuple[Engagement, ...]:
    """Per day (first seen) and arm, from the period's (treated, row) of seen visitors."""
    counts: dict[tuple[datetime.date, Arm], list[int]] = {}
    for treated, row in rows:
        if row.seen_day is None:
            continue
        cell = counts.setdefault((row.seen_day, "treatment" if treated else "holdout"), [0, 0])
        cell[0] += 1
        cell[1] += not (row.page_views or row.recommendation_clicks or row.orders)
    return tuple(Engagement(day, arm, n, z) for (day, arm), (n, z) in sorted(counts.items()))


def assess_traffic(
    sample_ratio: SampleRatioCheck, alpha: float, engagement: Sequence[Engagement]
) -> TrafficQuality:
    """The verdict from the period's sample-ratio check and its engagement by day and arm."""
    cells = len(engagement) + 1
    total = sum(cell.visitors for cell in engagement)
    zeros = sum(cell.zero_engagement for cell in engagement)
    bursts = []
    for cell in engagement:
        others = total - cell.visitors
        normal = max(NORMAL_ZERO_SHARE, (zeros - cell.zero_engagement) / others if others else 0)
        burst = _burst(f"{cell.day} {cell.arm}", cell, normal, alpha / cells)
        if burst is not None:
            bursts.append(burst)
    between = _between_arms(engagement, alpha / cells)
    if between is not None:
        bursts.append(between)
    return TrafficQuality(sample_ratio, alpha, tuple(engagement), tuple(bursts))


async def traffic_quality(
    redis: Any,
    shop: str,
    period: Period,
    statistics: ExperimentStatistics,
    holdout_share: float,
    alpha: float,
) -> TrafficQuality:
    """The period's verdict from its statistics and the ledger's visitor rows (read once,
    at invoicing or for the dashboard)."""
    treated, held = statistics.treatment.visitors, statistics.holdout.visitors
    rows = await seen_visitor_rows(redis, shop, period)
    return assess_traffic(
        check_sample_ratio(treated, held, holdout_share), alpha, engagement_of(rows)
    )


def _burst(where: str, cell: Engagement, normal: float, alpha: float) -> Burst | None:
    if cell.share <= BURST_RATIO * normal:
        return None
    p_value = float(stats.binom.sf(cell.zero_engagement - 1, cell.visitors, normal))
    if p_value >= alpha:
        return None
    return Burst(where, cell.visitors, cell.zero_engagement, normal, p_value)


def _between_arms(engagement: Sequence[Engagement], alpha: float) -> Burst | None:
    table = [[0, 0], [0, 0]]
    for cell in engagement:
        row = table[cell.arm == "holdout"]
        row[0] += cell.zero_engagement
        row[1] += cell.visitors - cell.zero_engagement
    (treated_zero, treated_rest), (held_zero, held_rest) = table
    shares = [
        zero / (zero + rest) if zero + rest else 0.0
        for zero, rest in ((treated_zero, treated_rest), (held_zero, held_rest))
    ]
    high, low = max(shares), min(shares)
    if high <= BURST_RATIO * max(low, NORMAL_ZERO_SHARE / BURST_RATIO):
        return None
    p_value = float(stats.fisher_exact(table).pvalue)
    if p_value >= alpha:
        return None
    visitors = sum(map(sum, table))
    return Burst("arms", visitors, treated_zero + held_zero, low, p_value)
