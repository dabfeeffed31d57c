"""Every check of the integration, in the order they are shown."""

from __future__ import annotations

from widget.integration.check import Check
from widget.integration.event_checks import (
    check_bots,
    check_clock_skew,
    check_dead_letters,
    check_events,
    check_origins,
)
from widget.integration.observed import Observed
from widget.integration.setup_checks import check_catalog, check_orders, check_placements


def run_checks(seen: Observed) -> list[Check]:
    return [
        check_events(seen),
        check_origins(seen),
        check_catalog(seen),
        check_dead_letters(seen),
        check_orders(seen),
        check_placements(seen),
        check_clock_skew(seen.events),
        check_bots(seen.events),
    ]
