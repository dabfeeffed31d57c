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
        ("BASKETLIFT_RATE_LIMIT_CLIENT", "-1", "positive"),
        ("BASKETLIFT_LOG_LEVEL", "loud", "one of"),
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
