"""`basketlift demo`: the whole product on real Online Retail data, replayed over HTTP.

Imports go one way: retail -> visits -> shop -> browser -> catalogue -> replay, and
server, invoicing, evaluation beside them -> run -> summary; `widget.cli.demo` is the
command and `make_subset` cuts the packaged data. The package uses the
product only through its public stores, its HTTP API and `basketlift serve`.
"""

from __future__ import annotations

from widget.demo.browser import ReplayError
from widget.demo.invoicing import LedgerBehind
from widget.demo.retail import RetailDataMissing, SourceChoice
from widget.demo.run import DemoOptions, DemoResult, run_demo
from widget.demo.server import ServerError
from widget.demo.shop import DemoAlreadyThere
from widget.demo.summary import provenance, summary_lines

__all__ = [
    "DemoAlreadyThere",
    "DemoOptions",
    "DemoResult",
    "LedgerBehind",
    "ReplayError",
    "RetailDataMissing",
    "ServerError",
    "SourceChoice",
    "provenance",
    "run_demo",
    "summary_lines",
]
