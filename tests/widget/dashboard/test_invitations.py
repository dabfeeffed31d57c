"""Invitations: guesses are throttled as logins, the page tells nothing of the account,
and only the owner of the email (who gets the link) can accept."""

from __future__ import annotations

import re

from click.testing import CliRunner
from starlette.testclient import TestClient

from tests.widget.conftest import PASSWORD, accept, csrf_of, invitation_token, log_in
from widget.cli import main
from widget.dashboard.login import MAX_FAILURES
from widget.platform.settings import Settings

NEW = "cfo@b.example"
NEW_PASSWORD = "a long new password"


def link_for(settings: Settings, email: str, shop: str = "shop-a") -> str:
    return "/dashboard/invitations/" + invitation_token(str(settings.redis_url), email, shop)


def test_forty_guesses_are_throttled_and_the_right_one_then_gets_no_session(
    web: TestClient, settings: Settings
) -> None:
    link = link_for(settings, "admin@b.example")
    answers = [accept(web, link, f"guess number {n:02}") for n in range(40)]
    assert {answer.status_code for answer in answers} == {401}
    assert "from your address" in answers[-1].text
    assert accept(web, link, PASSWORD).status_code == 401
    assert "bl_session" not in web.cookies


def test_wrong_guesses_lock_the_account_as_login_does(web: TestClient, settings: Settings) -> None:
    link = link_for(settings, "admin@b.example")
    for n in range(MAX_FAILURES):
        assert accept(web, link, f"guess number {n:02}").status_code == 401
    assert accept(web, link, PASSWORD).status_code == 401
    assert "bl_session" not in web.cookies
    assert log_in(web, "admin@b.example").status_code == 401


def _neutral(page: str, email: str) -> str:
    return re.sub(r'value="[^"]+"', "", page.replace(email, "EMAIL"))


def test_nothing_tells_whether_the_email_has_an_account(
    web: TestClient, settings: Settings
) -> None:
    existing, new = link_for(settings, "admin@b.example"), link_for(settings, NEW)
    assert _neutral(web.get(existing).text, "admin@b.example") == _neutral(web.get(new).text, NEW)
    wrong, weak = accept(web, existing, "not the password"), accept(web, new, "short", "short")
    assert (wrong.status_code, _neutral(wrong.text, "admin@b.example")) == (
        weak.status_code,
        _neutral(weak.text, NEW),
    )


def test_the_inviting_admin_never_sees_the_link(web: TestClient) -> None:
    log_in(web, "admin@a.example")
    token = csrf_of(web.get("/dashboard/shops/shop-a/team").text)
    form = {"csrf_token": token, "email": NEW, "role": "finance"}
    page = web.post("/dashboard/shops/shop-a/team", data=form).text
    assert "/dashboard/invitations/" not in page
    assert f"operator invitation-links --email {NEW}" in page


def operator(settings: Settings, *args: str) -> str:
    env = {"BASKETLIFT_REDIS_URL": str(settings.redis_url)}
    result = CliRunner().invoke(main, ["operator", *args], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_operator_hands_over_the_link_that_creates_the_account(
    web: TestClient, settings: Settings
) -> None:
    first = link_for(settings, NEW)
    shop, link = operator(settings, "invitation-links", "--email", NEW).strip().split(": ")
    assert shop == "shop-a" and link.startswith("http://127.0.0.1:8000/dashboard/invitations/")
    assert web.get(first).status_code == 404
    path = link.removeprefix("http://127.0.0.1:8000")
    accepted = accept(web, path, NEW_PASSWORD, NEW_PASSWORD)
    assert accepted.headers["location"] == "/dashboard/shops/shop-a/uplift"
    assert web.get(path).status_code == 404
    assert log_in(web, NEW, NEW_PASSWORD).status_code == 303


def test_an_existing_account_joins_with_its_own_password(
    web: TestClient, settings: Settings
) -> None:
    link = link_for(settings, "admin@b.example")
    assert accept(web, link, PASSWORD).headers["location"] == "/dashboard/shops/shop-a/uplift"
    assert web.get("/dashboard/shops/shop-b/team").status_code == 200
