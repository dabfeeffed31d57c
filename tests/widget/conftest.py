"""A full app with the dashboard, two shops with their teams, an operator, and a login helper."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from billing.invoice_store import finalize, run_period
from billing.periods import Period
from tests.billing.ledger_samples import AFTER_OCTOBER, october_ledger
from tests.conftest import admin_headers
from tests.widget.placements.traffic import RolledUpTraffic, widget_traffic
from widget.app import create_app
from widget.dashboard.accounts import Accounts, Invitation, Role
from widget.platform.settings import Settings
from widget.platform.store import connect

PASSWORD = "correct horse battery"
SHOPS = ("shop-a", "shop-b")
TEAM: dict[str, tuple[str, Role]] = {
    "admin@a.example": ("shop-a", "admin"),
    "analyst@a.example": ("shop-a", "analyst"),
    "finance@a.example": ("shop-a", "finance"),
    "admin@b.example": ("shop-b", "admin"),
}
OPERATOR = "operator@basketlift.example"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def seed_accounts(url: str) -> None:
    """Both shops' teams, the operator, issued October invoices of both shops, and shop-a's
    widgets seen, clicked and bought from in October."""
    store = await connect(url)
    accounts = Accounts(store)
    for email, (shop, role) in TEAM.items():
        await accounts.add_member(shop, await accounts.create_user(email, PASSWORD), role)
    await accounts.create_user(OPERATOR, PASSWORD, operator=True)
    for shop in SHOPS:
        await october_ledger(store, shop, treated=40, holdout=40)
    await run_period(store, Period(2026, 10), AFTER_OCTOBER)
    for shop in SHOPS:
        await finalize(store, shop, Period(2026, 10), AFTER_OCTOBER)
    await widget_traffic(await RolledUpTraffic.of(store, "shop-a"))
    await store.aclose()


@pytest.fixture
def web(settings: Settings) -> Iterator[TestClient]:
    """A browser-like client over HTTPS (the session cookie is Secure), with two shops."""
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        for shop in SHOPS:
            body = {"name": shop.title(), "id": shop, "origins": ["https://shop.example"]}
            assert client.post("/v1/admin/shops", json=body, headers=admin_headers()).is_success
        asyncio.run(seed_accounts(settings.redis_url or ""))
        yield client


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found[1]


def log_in(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    token = csrf_of(client.get("/dashboard/login").text)
    form = {"email": email, "password": password, "csrf_token": token}
    return client.post("/dashboard/login", data=form, follow_redirects=False)


def invitation_token(url: str, email: str, shop: str = "shop-a", role: Role = "finance") -> str:
    """The token of a new invitation, as the link sent to `email` carries it."""

    async def run() -> str:
        store = await connect(url)
        invited = Invitation(shop, role, email, "admin@a.example")
        token = await Accounts(store).invite(invited)
        await store.aclose()
        return token

    return asyncio.run(run())


def accept(client: TestClient, link: str, password: str, again: str = "") -> Any:
    form = {
        "password": password,
        "password_again": again,
        "csrf_token": csrf_of(client.get(link).text),
    }
    return client.post(link, data=form, follow_redirects=False)
