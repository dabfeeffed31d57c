"""The merchant dashboard: server-rendered pages over accounts, billing and the catalogue.

Import direction: keys, passwords -> accounts -> login, sessions, recovery -> rendering,
charts, uplift, listing -> access -> account_pages -> password_pages, shop_pages,
placement_pages, team_pages, invoice_pages -> this module's `routes`.
It imports `billing`, `widget.platform` and the public surfaces of `widget.catalog`,
`widget.integration`, `widget.placements`, `widget.recommendations` and `widget.snippet`;
`widget.app` mounts its routes, and the command line and the demo use its `Accounts`.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from widget.dashboard import (
    account_pages,
    invoice_pages,
    password_pages,
    placement_pages,
    shop_pages,
    team_pages,
)
from widget.dashboard.accounts import AccountError, Accounts
from widget.dashboard.recovery import invitation_link, issue_reset, reset_link

STATIC = Path(__file__).resolve().parent / "static"
_SHOP = "/dashboard/shops/{shop}"
_BOTH = ["GET", "POST"]
# `{period}.csv` and `.pdf` come before `{period}`, which would match them too.

routes: list[BaseRoute] = [
    Route("/dashboard/", account_pages.index, methods=["GET"]),
    Route("/dashboard/login", account_pages.login, methods=_BOTH),
    Route("/dashboard/logout", account_pages.logout, methods=["POST"]),
    Route("/dashboard/invitations/{token}", account_pages.invitation, methods=_BOTH),
    Route("/dashboard/password", password_pages.change, methods=_BOTH),
    Route("/dashboard/password-reset", password_pages.request_reset, methods=_BOTH),
    Route("/dashboard/password-reset/{token}", password_pages.reset, methods=_BOTH),
    Route(f"{_SHOP}/uplift", shop_pages.uplift, methods=["GET"]),
    Route(f"{_SHOP}/placements", placement_pages.placements, methods=["GET"]),
    Route(f"{_SHOP}/long-tail", placement_pages.long_tail, methods=["GET"]),
    Route(f"{_SHOP}/products", placement_pages.products, methods=["GET"]),
    Route(f"{_SHOP}/integration", shop_pages.integration, methods=["GET"]),
    Route(f"{_SHOP}/catalogue", shop_pages.catalogue, methods=["GET"]),
    Route(f"{_SHOP}/team", team_pages.team, methods=_BOTH),
    Route(f"{_SHOP}/invoices", invoice_pages.invoice_list, methods=["GET"]),
    Route(f"{_SHOP}/invoices/{{period}}.csv", invoice_pages.invoice_csv, methods=["GET"]),
    Route(f"{_SHOP}/invoices/{{period}}.pdf", invoice_pages.invoice_pdf, methods=["GET"]),
    Route(f"{_SHOP}/invoices/{{period}}", invoice_pages.invoice_view, methods=["GET"]),
    Mount("/dashboard/static", StaticFiles(directory=STATIC), name="dashboard-static"),
]

__all__ = [
    "AccountError",
    "Accounts",
    "invitation_link",
    "issue_reset",
    "reset_link",
    "routes",
]
