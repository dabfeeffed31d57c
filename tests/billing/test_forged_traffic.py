"""Issue #15's forged-traffic attacks, end to end: the fee moves by less than 5% or the
month is flagged and bills no share.

Measured here (400 real visitors, 10% holdout, lower-bound basis, 10% share): baseline
352.22 GBP; the issue's forger (a browser's user agent only) records no exposure, 352.22;
with every header Chromium sends, from one host, the network's 20 new visitors count, in
both arms as the hash puts them: 337.54 for either attack (-4.2%). Before, 25 holdout
visitors tripled the fee and 239 treatment visitors zeroed it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal

import pytest

from billing.fees import FeeComputation
from tests.billing.forged import BROWSER_AGENT_ONLY, Month, month_of
from tests.conftest import CHROMIUM_FETCH_HEADERS
from widget.platform.settings import Settings

REAL_VISITORS = 400
LIMIT = Settings().new_visitors_per_network_hour


@pytest.fixture
def month(settings: Settings) -> Iterator[Month]:
    """A shop under the default limit of new visitors a network and hour."""
    yield from month_of(replace(settings, new_visitors_per_network_hour=LIMIT))


def holds(baseline: FeeComputation, attacked: FeeComputation) -> bool:
    moved = abs(attacked.share_fee - baseline.share_fee)
    flagged = "traffic_quality" in attacked.no_share_reasons and attacked.share_fee == 0
    return moved < Decimal("0.05") * baseline.share_fee or flagged


@pytest.mark.parametrize(("arm", "wanted"), [("holdout", 25), ("treatment", 239)])
def test_forged_visitors_of_one_arm_do_not_move_the_fee(
    month: Month, arm: str, wanted: int
) -> None:
    month.real_visitors(REAL_VISITORS)
    baseline = month.fee()
    assert baseline.share_fee > 0 and baseline.statistics.treatment.visitors > 300
    # As in the issue: a browser's user agent, nothing else a browser sends: no exposure.
    month.forge(arm, wanted, BROWSER_AGENT_ONLY, "script")
    assert month.fee() == baseline
    # With every header a browser sends, from one host: the network's limit of new visitors.
    month.forge(arm, wanted, CHROMIUM_FETCH_HEADERS, "browser")
    attacked = month.fee()
    counted = attacked.statistics.treatment.visitors + attacked.statistics.holdout.visitors
    assert counted <= REAL_VISITORS + LIMIT
    assert holds(baseline, attacked)
