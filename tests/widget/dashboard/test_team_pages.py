"""Revoking access: role changes and removals by a shop's admin, and the session lifetime."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from starlette.testclient import TestClient

from tests.widget.conftest import csrf_of, log_in
from widget.dashboard import keys
from widget.platform.settings import Settings
from widget.platform.store import connect

TEAM = "/dashboard/shops/shop-a/team"


def member_id(settings: Settings, email: str) -> str:
    async def run() -> str:
        store = await connect(str(settings.redis_url))
        found: str = await store.hget(keys.EMAILS, email)
        await store.aclose()
        return found

    return asyncio.run(run())


def change(web: TestClient, settings: Settings, email: str, action: str, role: str = "") -> Any:
    form = {"action": action, "member": member_id(settings, email), "role": role}
    form["csrf_token"] = csrf_of(web.get(TEAM).text)
    return web.post(TEAM, data=form)


def as_user(web: TestClient, email: str) -> str:
    """Log `email` in and return the session cookie, then leave the client signed out."""
    log_in(web, email)
    session = web.cookies["bl_session"]
    web.cookies.clear()
    return session


def get_as(web: TestClient, session: str, path: str) -> int:
    web.cookies.clear()
    web.cookies.set("bl_session", session, domain="testserver.local", path="/dashboard")
    status: int = web.get(path, follow_redirects=False).status_code
    web.cookies.clear()
    return status


def test_a_removed_member_loses_the_shop_at_once(web: TestClient, settings: Settings) -> None:
    analyst = as_user(web, "analyst@a.example")
    assert get_as(web, analyst, "/dashboard/shops/shop-a/catalogue") == 200
    log_in(web, "admin@a.example")
    removed = change(web, settings, "analyst@a.example", "remove")
    assert removed.status_code == 200 and "analyst@a.example was removed" in removed.text
    assert get_as(web, analyst, "/dashboard/shops/shop-a/catalogue") == 303  # no shop left


def test_a_role_change_applies_to_the_next_request(web: TestClient, settings: Settings) -> None:
    analyst = as_user(web, "analyst@a.example")
    log_in(web, "admin@a.example")
    assert change(web, settings, "analyst@a.example", "role", "finance").status_code == 200
    assert get_as(web, analyst, "/dashboard/shops/shop-a/catalogue") == 403
    assert get_as(web, analyst, "/dashboard/shops/shop-a/invoices") == 200


def test_the_last_admin_can_be_neither_demoted_nor_removed(
    web: TestClient, settings: Settings
) -> None:
    log_in(web, "admin@a.example")
    for action, role in (("role", "analyst"), ("remove", "")):
        refused = change(web, settings, "admin@a.example", action, role)
        assert refused.status_code == 422 and "no admin left" in refused.text
    assert change(web, settings, "finance@a.example", "role", "admin").status_code == 200
    assert change(web, settings, "admin@a.example", "remove").status_code == 200


def test_only_members_of_this_shop_can_be_changed(web: TestClient, settings: Settings) -> None:
    log_in(web, "admin@a.example")
    refused = change(web, settings, "admin@b.example", "remove")
    assert refused.status_code == 422 and "not a member" in refused.text


def test_a_session_ends_at_its_lifetime_however_active(web: TestClient, settings: Settings) -> None:
    session = as_user(web, "admin@a.example")
    assert get_as(web, session, "/dashboard/shops/shop-a/uplift") == 200

    async def started_13_hours_ago() -> None:
        store = await connect(str(settings.redis_url))
        await store.hset(keys.session(session), "started", time.time() - 13 * 3600)
        await store.aclose()

    asyncio.run(started_13_hours_ago())
    assert get_as(web, session, "/dashboard/shops/shop-a/uplift") == 303
