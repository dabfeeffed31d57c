from __future__ import annotations

from pathlib import Path

import pytest

from widget.platform.settings import VARIABLES, Settings, SettingsError

ROOT = Path(__file__).resolve().parents[3]


def example_values() -> dict[str, str]:
    text = (ROOT / "basketlift.env.example").read_text()
    pairs = [line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#")]
    return {name: value for name, value in pairs}


def test_defaults_match_the_dataclass() -> None:
    assert Settings.from_env({}) == Settings()


def test_retraining_triggers_are_parsed_and_zero_turns_them_off() -> None:
    settings = Settings.from_env(
        {"BASKETLIFT_RETRAIN_EVERY_HOURS": "0.5", "BASKETLIFT_RETRAIN_AFTER_EVENTS": "0"}
    )
    assert (settings.retrain_every_hours, settings.retrain_after_events) == (0.5, 0)


def test_values_are_parsed() -> None:
    settings = Settings.from_env({"BASKETLIFT_PORT": "9000", "BASKETLIFT_REDIS_URL": "redis://h"})
    assert (settings.port, settings.redis_url) == (9000, "redis://h")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BASKETLIFT_PORT", "http", "not a whole number"),
        ("BASKETLIFT_PORT", "70000", "between 1 and 65535"),
        ("BASKETLIFT_REDIS_URL", "localhost:6379", "must start with redis://"),
        ("BASKETLIFT_ADMIN_TOKEN", "short", "at least 16"),
        ("BASKETLIFT_ADMIN_TOKEN", "a" * 16, "10 different characters"),
        ("BASKETLIFT_METRICS_TOKEN", "0101010101010101", "10 different characters"),
        ("BASKETLIFT_PUBLIC_URL", "recs.example.com", "http:// or https://"),
        ("BASKETLIFT_PUBLIC_URL", "https://recs.example.com/?a=1", "path only"),
        ("BASKETLIFT_TRUSTED_PROXIES", "10.0.0.1,proxy", "'proxy' is not an IP"),
        ("BASKETLIFT_SMTP_URL", "mail.example.com", "smtp://"),
        ("BASKETLIFT_SESSION_LIFETIME_HOURS", "0", "between 1 and 720"),
        ("BASKETLIFT_RATE_LIMIT_CLIENT", "-1", "positive"),
        ("BASKETLIFT_LOG_LEVEL", "loud", "one of"),
        ("BASKETLIFT_RETRAIN_EVERY_HOURS", "-1", "0 (off) or a positive number"),
        ("BASKETLIFT_RETRAIN_EVERY_HOURS", "daily", "not a number"),
        ("BASKETLIFT_RETRAIN_EVERY_HOURS", "nan", "0 (off) or a positive number"),
        ("BASKETLIFT_RETRAIN_AFTER_EVENTS", "5e4", "not a whole number"),
        ("BASKETLIFT_RETRAIN_AFTER_EVENTS", "-1", "between 0 and"),
    ],
)
def test_bad_value_names_variable_and_value(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({name: value})
    assert str(caught.value).startswith(f"{name} has value {value!r}: ")
    assert message in str(caught.value)


def test_example_file_lists_every_variable_with_its_default() -> None:
    values = example_values()
    assert values == {variable.env_name: variable.default for variable in VARIABLES}
    assert Settings.from_env(values) == Settings()


def test_readme_documents_every_variable() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [v.env_name for v in VARIABLES if f"`{v.env_name}`" not in readme]
    assert missing == []


def test_a_public_host_needs_a_public_url() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"BASKETLIFT_HOST": "0.0.0.0"})
    assert "BASKETLIFT_PUBLIC_URL" in str(caught.value)
    public = {"BASKETLIFT_HOST": "0.0.0.0", "BASKETLIFT_PUBLIC_URL": "https://recs.example.com/"}
    assert Settings.from_env(public).base_url == "https://recs.example.com"


def test_a_local_server_is_its_own_public_url() -> None:
    assert Settings.from_env({"BASKETLIFT_PORT": "9000"}).base_url == "http://127.0.0.1:9000"
    assert Settings(host="::1").base_url == "http://[::1]:8000"


def test_trusted_proxies_are_a_list_of_networks() -> None:
    found = Settings.from_env({"BASKETLIFT_TRUSTED_PROXIES": "10.0.0.0/8, ::1"})
    assert found.trusted_proxies == ("10.0.0.0/8", "::1")
