"""Password change and reset: by a link from the operator, or by mail through real SMTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from email.message import Message
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from tests.smtp import smtp_server, text_of
from tests.widget.conftest import PASSWORD, csrf_of, log_in
from tests.widget.dashboard.test_invitations import NEW, NEW_PASSWORD
from widget.app import create_app
from widget.cli import main
from widget.platform.settings import Settings

BASE = "http://127.0.0.1:8000"
_LINK = re.compile(r"http://127\.0\.0\.1:8000(/dashboard/\S+)")


def choose(client: TestClient, path: str, new: str, **fields: str) -> Any:
    form = {"new_password": new, "new_password_again": new, **fields}
    form["csrf_token"] = csrf_of(client.get(path).text)
    return client.post(path, data=form, follow_redirects=False)


def reset_path(settings: Settings, email: str) -> str:
    env = {"BASKETLIFT_REDIS_URL": str(settings.redis_url)}
    result = CliRunner().invoke(main, ["operator", "reset-link", "--email", email], env=env)
    assert result.exit_code == 0, result.output
    return result.output.strip().removeprefix(BASE)


def test_a_password_change_needs_the_current_one_and_ends_other_sessions(
    web: TestClient,
) -> None:
    log_in(web, "analyst@a.example")
    elsewhere = web.cookies["bl_session"]
    web.cookies.clear()
    log_in(web, "analyst@a.example")
    refused = choose(web, "/dashboard/password", NEW_PASSWORD, password="not it")
    assert refused.status_code == 401
    changed = choose(web, "/dashboard/password", NEW_PASSWORD, password=PASSWORD)
    assert changed.status_code == 303
    assert web.get("/dashboard/shops/shop-a/uplift").status_code == 200
    web.cookies.set("bl_session", elsewhere, domain="testserver.local", path="/dashboard")
    gone = web.get("/dashboard/shops/shop-a/uplift", follow_redirects=False)
    assert gone.status_code == 303
    assert log_in(web, "analyst@a.example").status_code == 401
    assert log_in(web, "analyst@a.example", NEW_PASSWORD).status_code == 303


def test_an_operators_reset_link_sets_a_new_password_once(
    web: TestClient, settings: Settings
) -> None:
    path = reset_path(settings, "admin@b.example")
    assert path.startswith("/dashboard/password-reset/")
    assert choose(web, path, "short").status_code == 422
    assert choose(web, path, NEW_PASSWORD).headers["location"] == "/dashboard/"
    assert web.get(path).status_code == 404
    assert log_in(web, "admin@b.example", NEW_PASSWORD).status_code == 303


def test_a_reset_unlocks_a_locked_account(web: TestClient, settings: Settings) -> None:
    for _ in range(6):
        log_in(web, "finance@a.example", "wrong wrong wrong")
    choose(web, reset_path(settings, "finance@a.example"), NEW_PASSWORD)
    assert log_in(web, "finance@a.example", NEW_PASSWORD).status_code == 303


def test_without_mail_the_reset_page_sends_to_the_operator(web: TestClient) -> None:
    assert "basketlift operator reset-link" in web.get("/dashboard/password-reset").text


@pytest.fixture
def mailing(settings: Settings) -> Iterator[tuple[TestClient, list[Message]]]:
    """The dashboard app with a real SMTP server configured, and the mails it received."""
    with smtp_server() as (url, mails):
        app = create_app(replace(settings, smtp_url=url))
        with TestClient(app, base_url="https://testserver") as client:
            yield client, mails


def _link_in(mail: Message) -> str:
    found = _LINK.search(text_of(mail))
    assert found, mail.get_payload()
    return found[1]


def test_a_reset_link_goes_by_mail_and_only_to_accounts(
    web: TestClient, mailing: tuple[TestClient, list[Message]]
) -> None:
    client, mails = mailing
    for email in ("admin@a.example", "nobody@a.example"):
        form = {"email": email, "csrf_token": csrf_of(client.get("/dashboard/password-reset").text)}
        answer = client.post("/dashboard/password-reset", data=form)
        assert answer.status_code == 200 and "If an account exists" in answer.text
    assert [mail["To"] for mail in mails] == ["admin@a.example"]
    assert choose(client, _link_in(mails[0]), NEW_PASSWORD).status_code == 303
    assert log_in(client, "admin@a.example", NEW_PASSWORD).status_code == 303


def test_an_invitation_goes_by_mail_to_the_invited_email(
    web: TestClient, mailing: tuple[TestClient, list[Message]]
) -> None:
    client, mails = mailing
    log_in(client, "admin@a.example")
    form = {"email": NEW, "role": "analyst"}
    form["csrf_token"] = csrf_of(client.get("/dashboard/shops/shop-a/team").text)
    page = client.post("/dashboard/shops/shop-a/team", data=form).text
    assert f"Invitation sent to {NEW}" in page and "/dashboard/invitations/" not in page
    assert [mail["To"] for mail in mails] == [NEW]
    link = _link_in(mails[0])
    assert link.startswith("/dashboard/invitations/")
