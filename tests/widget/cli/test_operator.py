"""`basketlift operator create`, checked through the dashboard it opens."""

from __future__ import annotations

from click.testing import CliRunner, Result
from starlette.testclient import TestClient

from tests.widget.conftest import OPERATOR, PASSWORD, log_in
from widget.cli import main
from widget.platform.settings import Settings

NEW = "night-shift@basketlift.example"


def operator_create(settings: Settings, *args: str, typed: str | None = None) -> Result:
    env = {"BASKETLIFT_REDIS_URL": str(settings.redis_url)}
    return CliRunner().invoke(main, ["operator", "create", *args], env=env, input=typed)


def test_a_created_operator_logs_in_and_sees_every_shop(
    web: TestClient, settings: Settings
) -> None:
    result = operator_create(settings, "--email", f"  {NEW.upper()} ", "--password", PASSWORD)
    assert result.exit_code == 0, result.output
    assert f"Operator {NEW} created: log in at /dashboard/login." in result.output
    assert log_in(web, NEW).headers["location"] == "/dashboard/"
    listing = web.get("/dashboard/").text
    assert "shop-a" in listing and "shop-b" in listing
    assert web.get("/dashboard/shops/shop-b/team").status_code == 200


def test_the_password_is_asked_twice_when_not_given(web: TestClient, settings: Settings) -> None:
    result = operator_create(settings, "--email", NEW, typed=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert log_in(web, NEW).headers["location"] == "/dashboard/"


def test_a_taken_email_or_a_short_password_is_refused(web: TestClient, settings: Settings) -> None:
    taken = operator_create(settings, "--email", OPERATOR, "--password", PASSWORD)
    assert taken.exit_code == 1 and f"an account for {OPERATOR} exists already" in taken.output
    short = operator_create(settings, "--email", NEW, "--password", "short")
    assert short.exit_code == 1 and "must have at least 12 characters" in short.output
    assert log_in(web, NEW, "short").status_code == 401
