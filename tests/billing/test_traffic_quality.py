from __future__ import annotations

import datetime
from decimal import Decimal

import orjson

from billing.fees import compute_fee
from billing.ledger import VisitorRow
from billing.srm import check_sample_ratio
from billing.traffic_quality import (
    Engagement,
    TrafficQuality,
    assess_traffic,
    engagement_of,
    quality_reasons,
)
from tests.billing.samples import contract, drawn_experiment

ALPHA = 0.001
DAYS = [datetime.date(2026, 11, day) for day in range(1, 8)]
EVEN = check_sample_ratio(9000, 1000, 0.1)


def week(zero_share: float = 0.03, burst: tuple[int, str, int] | None = None) -> list[Engagement]:
    """A week of 900 treated and 100 held visitors a day; `burst` adds (day, arm, visitors)
    without engagement."""
    cells = []
    for index, day in enumerate(DAYS):
        for arm, visitors in (("treatment", 900), ("holdout", 100)):
            extra = burst[2] if burst and burst[:2] == (index, arm) else 0
            zeros = round(visitors * zero_share) + extra
            cells.append(Engagement(day, arm, visitors + extra, zeros))  # type: ignore[arg-type]
    return cells


def test_a_normal_month_is_not_flagged() -> None:
    quality = assess_traffic(EVEN, ALPHA, week())
    assert not quality.flagged and quality_reasons(quality) == ()


def test_a_burst_of_zero_engagement_visitors_in_one_arm_and_day_is_flagged() -> None:
    quality = assess_traffic(EVEN, ALPHA, week(burst=(3, "holdout", 25)))
    assert quality.flagged and quality_reasons(quality) == ("traffic_quality",)
    assert quality.bursts[0].where == "2026-11-04 holdout"


def test_a_sample_ratio_mismatch_at_the_contracts_alpha_is_flagged() -> None:
    quality = assess_traffic(check_sample_ratio(9000, 1120, 0.1), ALPHA, week())
    assert quality.sample_ratio_mismatch and quality.flagged


def test_engagement_counts_visitors_with_no_view_click_or_order() -> None:
    rows = [
        (True, VisitorRow(DAYS[0], 0, 0, 0, 0)),
        (True, VisitorRow(DAYS[0], 1, 500, 0, 0)),
        (False, VisitorRow(DAYS[0], 0, 0, 2, 0)),
        (False, VisitorRow(None, 0, 0, 3, 0)),
    ]
    assert engagement_of(rows) == (
        Engagement(DAYS[0], "holdout", 1, 0),
        Engagement(DAYS[0], "treatment", 2, 1),
    )


def test_a_flagged_month_bills_no_share_and_says_why_in_its_evidence() -> None:
    terms, statistics = contract(), drawn_experiment(seed=4)
    quality = assess_traffic(EVEN, ALPHA, week(burst=(3, "holdout", 25)))
    fee = compute_fee(terms, statistics, quality)
    assert fee.share_fee == Decimal(0) and "traffic_quality" in fee.no_share_reasons
    evidence = orjson.loads(fee.to_json())
    assert TrafficQuality.from_dict(evidence["traffic_quality"]) == quality
    assert compute_fee(terms, statistics).share_fee > 0
