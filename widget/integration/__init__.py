"""`GET /v1/integration/check`: what arrived in the last hour, and what is wrong, in words.

Each check answers `ok`, `warning` (something to look at) or `error` (something broken);
the answer is `ok` when no check is an error. Streams are read newest first by time
(XREVRANGE), at most `MAX_EVENTS` events, dead letters or orders each. Hourly counters
(refused origins, placement requests) are summed over this clock hour and the previous.

`observed` gathers the last hour from the store, `event_checks` and `setup_checks` judge
it, `checks` runs them in order, and `api` serves them (the dashboard shows them too).
Imports `tracker`, `widget.platform` and the keys of `widget.catalog`, `widget.orders`
and `widget.recommendations`.
"""

from __future__ import annotations

from widget.integration import api
from widget.integration.checks import run_checks
from widget.integration.observed import WINDOW, observe

__all__ = ["WINDOW", "api", "observe", "run_checks"]
