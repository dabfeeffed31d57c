"""The Team page's pending invitations: listed for the shop's admins, and revoked at once."""

from __future__ import annotations

from html import unescape
from typing import Any

from starlette.testclient import TestClient

from tests.widget.conftest import accept, csrf_of, invitation_token, log_in
from widget.platform.settings import Settings

TEAM = "/dashboard/shops/shop-a/team"
NEW = "cfo@a.example"
PASSWORD = "a long new password"


def revoke(web: TestClient, email: str, team: str = TEAM, csrf: str | None = None) -> Any:
    token = csrf_of(web.get(team).text) if csrf is None else csrf
    return web.post(team, data={"action": "revoke", "email": email, "csrf_token": token})


def test_the_pending_invitations_are_listed_until_accepted(
    web: TestClient, settings: Settings
) -> None:
    link = "/dashboard/invitations/" + invitation_token(str(settings.redis_url), NEW)
    log_in(web, "admin@a.example")
    page = unescape(web.get(TEAM).text)
    assert (
        f'<tr><th scope="row">{NEW}</th><td>finance</td><td>admin@a.example</td>\n'
        "<td>in 7 days</td>"
    ) in page
    web.cookies.clear()
    assert accept(web, link, PASSWORD, PASSWORD).status_code == 303
    log_in(web, "admin@a.example")
    page = web.get(TEAM).text
    assert "No invitation is waiting to be accepted." in page and f"Revoke {NEW}" not in page


def test_a_revoked_invitation_link_stops_working(web: TestClient, settings: Settings) -> None:
    link = "/dashboard/invitations/" + invitation_token(str(settings.redis_url), NEW)
    log_in(web, "admin@a.example")
    revoked = revoke(web, NEW)
    assert revoked.status_code == 200
    assert f"The invitation of {NEW} is revoked: its link no longer works." in revoked.text
    assert "No invitation is waiting to be accepted." in revoked.text
    web.cookies.clear()
    opened = web.get(link)
    assert opened.status_code == 404 and "used already, revoked, or it has expired" in opened.text
    form = {"password": PASSWORD, "password_again": PASSWORD}
    assert web.post(link, data=form).status_code == 404


def test_revoking_needs_the_forms_csrf_token(web: TestClient, settings: Settings) -> None:
    link = "/dashboard/invitations/" + invitation_token(str(settings.redis_url), NEW)
    log_in(web, "admin@a.example")
    assert revoke(web, NEW, csrf="forged").status_code == 403
    web.cookies.clear()
    assert web.get(link).status_code == 200  # still pending


def test_another_shops_admin_cannot_revoke_it(web: TestClient, settings: Settings) -> None:
    link = "/dashboard/invitations/" + invitation_token(str(settings.redis_url), NEW)
    log_in(web, "admin@b.example")
    refused = revoke(web, NEW, team="/dashboard/shops/shop-b/team")
    assert refused.status_code == 422
    assert f"there is no pending invitation for {NEW}" in refused.text
    assert revoke(web, NEW).status_code == 404  # shop-a is not theirs
    web.cookies.clear()
    assert web.get(link).status_code == 200


def test_an_analyst_cannot_revoke(web: TestClient, settings: Settings) -> None:
    invitation_token(str(settings.redis_url), NEW)
    log_in(web, "analyst@a.example")
    assert web.post(TEAM, data={"action": "revoke", "email": NEW}).status_code == 403
