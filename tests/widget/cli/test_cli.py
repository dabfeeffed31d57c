from __future__ import annotations

import json
from typing import Any

import click
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from tests.conftest import ORIGIN, make_event
from widget.cli import main


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += all_commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize("path", all_commands(main), ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0
    command: Any = main
    for name in path:
        command = command.commands[name]
    assert command.help, f"{' '.join(path) or 'basketlift'} has no help text"


def run(store_url: str, *args: str) -> Any:
    result = CliRunner().invoke(main, list(args), env={"BASKETLIFT_REDIS_URL": store_url})
    assert result.exit_code == 0, result.output
    return result


def test_shop_lifecycle(clean_store: str) -> None:
    created = json.loads(run(clean_store, "shop", "create", "--name", "Acme", "--json").output)
    assert created["secret_key"].startswith("sk_acme_")
    run(clean_store, "shop", "origins", "add", "acme", ORIGIN)
    shown = json.loads(run(clean_store, "shop", "show", "acme", "--json").output)
    assert shown["origins"] == [ORIGIN]
    rotated = json.loads(run(clean_store, "shop", "rotate-key", "acme", "--json").output)
    assert rotated["secret_key"] != created["secret_key"]
    assert "acme" in run(clean_store, "shop", "list").output


def test_errors_are_clear_and_exit_non_zero(clean_store: str) -> None:
    env = {"BASKETLIFT_REDIS_URL": clean_store}
    result = CliRunner().invoke(main, ["shop", "show", "nope"], env=env)
    assert result.exit_code == 1 and "no shop with id 'nope'" in result.output
    bad = CliRunner().invoke(main, ["shop", "list"], env={"BASKETLIFT_PORT": "x"})
    assert bad.exit_code == 1 and "BASKETLIFT_PORT has value 'x'" in bad.output


def test_events_export_writes_json_lines(client: TestClient, shop: Any, clean_store: str) -> None:
    events = [make_event(), make_event("Product Added")]
    body = {"site_key": shop["site_key"], "events": events}
    client.post("/v1/events", json=body, headers={"Origin": ORIGIN})
    result = run(clean_store, "events", "export", "--shop", "test-shop", "--since", "2020-01-01")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["event_id"] for line in lines] == [event["event_id"] for event in events]
    assert "2 events exported" in result.stderr


# A value for each other required parameter of a command that takes --shop: a new
# command with a parameter missing here fails below until one is added.
_OTHER_REQUIRED = {
    "since": "2026-01-01",
    "period": "2026-01",
    "reason": "a test",
    "name": "Buyer Ltd",
    "url": "https://feeds.example/products.xml",
    "product_id": "85123A",
}


def commands_with_shop(group: click.Group) -> list[tuple[str, ...]]:
    return [
        path
        for path in all_commands(group)
        if any("--shop" in parameter.opts for parameter in command_at(path).params)
    ]


def command_at(path: tuple[str, ...]) -> click.Command:
    command: Any = main
    for name in path:
        command = command.commands[name]
    found: click.Command = command
    return found


def arguments_for(path: tuple[str, ...], existing_file: str) -> list[str]:
    arguments = [*path, "--shop", "nonexistent"]
    for parameter in command_at(path).params:
        if not parameter.required or parameter.name in ("shop", "shop_id", "shops"):
            continue
        assert parameter.name in _OTHER_REQUIRED or parameter.name == "path", (
            f"{' '.join(path)}: give test_cli._OTHER_REQUIRED a value for {parameter.name}"
        )
        value = existing_file if parameter.name == "path" else _OTHER_REQUIRED[parameter.name]
        named = not isinstance(parameter, click.Argument)
        arguments += [parameter.opts[0], value] if named else [value]
    if path == ("catalog", "import"):
        arguments.append(existing_file)  # a file or --url: one of them
    return arguments


def test_every_shop_command_is_listed() -> None:
    found = {" ".join(path) for path in commands_with_shop(main)}
    assert {"events export", "train", "catalog import", "invoice run", "billing recompute"} <= found
    assert len(found) == 16


@pytest.mark.parametrize("path", commands_with_shop(main), ids=" ".join)
def test_an_unknown_shop_is_an_error(
    path: tuple[str, ...], clean_store: str, tmp_path: Any
) -> None:
    products = tmp_path / "products.json"
    products.write_text("[]")
    env = {"BASKETLIFT_REDIS_URL": clean_store}
    result = CliRunner().invoke(main, arguments_for(path, str(products)), env=env)
    assert result.exit_code == 1, result.output
    assert "Error: no shop with id 'nonexistent'" in result.output
    assert "exported" not in result.output


def test_an_unknown_shop_among_known_ones_stops_the_command(shop: Any, clean_store: str) -> None:
    env = {"BASKETLIFT_REDIS_URL": clean_store}
    arguments = ["invoice", "run", "--period", "2026-01", "--shop", "test-shop", "--shop", "nope"]
    result = CliRunner().invoke(main, arguments, env=env)
    assert result.exit_code == 1 and "no shop with id 'nope'" in result.output
