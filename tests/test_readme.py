"""The README as a reader uses it: its First steps run as they are, in order, against
`basketlift serve` on the embedded store of a fresh folder; and every `basketlift` command
shown anywhere in it names a real command, real options and the required ones."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import click
import pytest

from tests.servers import free_port
from tests.widget.cli.test_invoice import next_month
from widget.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"
FIRST_STEPS = "## First steps"


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```", text, re.MULTILINE | re.DOTALL)


def section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"\n{title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def runnable(script: str, port: int) -> str:
    """The First steps as a test can run them: what a reader fills in by hand (the keys
    `shop create` printed, a month to come, the server's port) filled in, the server
    waited for and stopped at the end, and any failing command failing the script."""
    create = next(line for line in script.splitlines() if " shop create " in line)
    serve = next(line for line in script.splitlines() if line.endswith(" serve &"))
    ready = f"http://127.0.0.1:{port}/readyz"
    replacements = {
        create: f"{create} | tee shop.txt\n"
        "site_key=$(sed -n 's/^site_key: *//p' shop.txt)\n"
        "secret_key=$(sed -n 's/^secret_key: *//p' shop.txt)",
        serve: f"{serve}\nserver=$!\ntrap 'kill $server; wait $server' EXIT\n"
        f"until curl -sf {ready} > /dev/null; do sleep 0.2; done",
        # In a single-quoted JSON body, and in a double-quoted header.
        '"pk_acme_..."': '"\'"$site_key"\'"',
        "Bearer sk_acme_...": "Bearer $secret_key",
        '"effective_from": "2027-01-01"': f'"effective_from": "{next_month().isoformat()}"',
        "127.0.0.1:8000": f"127.0.0.1:{port}",
        "curl -s ": "curl -s --fail-with-body ",
        ".venv/bin/basketlift": f"{sys.executable} -m widget",
    }
    for written, run in replacements.items():
        assert written in script, f"the First steps no longer show {written!r}"
        script = script.replace(written, run)
    return "set -euo pipefail\n" + script


def test_the_first_steps_run_as_written(tmp_path: Path) -> None:
    port = free_port()
    written = "\n".join(shell_blocks(section(FIRST_STEPS)))
    script = runnable(written, port)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASKETLIFT_")}
    env |= {"BASKETLIFT_DATA_DIR": str(tmp_path / "data"), "BASKETLIFT_PORT": str(port)}
    env |= {"TQDM_DISABLE": "1", "PYTHONPATH": str(README.parent)}
    process = subprocess.Popen(
        ["bash", "-c", script],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=240)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait()
    assert process.returncode == 0, out + err
    assert "id:          acme\n" in out and "contract version 1 of acme stored" in out
    answers = [line[2:] for line in written.splitlines() if line.startswith("# {")]
    assert len(answers) == 2 and all(answer in out for answer in answers), out
    assert "3 events exported" in err
    assert re.search(r"^acme: version \S+, 3 events, 2 items, 1 visitors, 0 orders", out, re.M)
    # curl prints no newline: the export's first line follows the events' answer.
    exported = re.findall(r'\{"event_id".*"bot":(\w+),"stream_id"', out)
    assert exported == ["false", "false", "false"]


def readme_commands() -> list[list[str]]:
    """Every `basketlift ...` command of the README's shell blocks, as its arguments."""
    found = []
    for block in shell_blocks(README.read_text()):
        for line in block.replace("\\\n", " ").splitlines():
            if not re.match(r"(\S*bin/)?basketlift ", line.strip()):
                continue  # JSON and other lines, where a quote may span lines
            words = shlex.split(line, comments=True)
            arguments = []
            for word in words[1:]:
                if word in ("&", "|", ";", "&&", ">", "<"):
                    break
                arguments.append(word)
            found.append(arguments)
    return found


def test_the_readme_shows_the_commands_of_first_steps() -> None:
    shown = [" ".join(arguments) for arguments in readme_commands()]
    for command in ("shop create", "invoice add-contract", "events export", "train --shop"):
        assert any(line.startswith(command) for line in shown), command


@pytest.mark.parametrize("arguments", readme_commands(), ids=" ".join)
def test_each_readme_command_exists_with_its_options(arguments: list[str]) -> None:
    command: click.Command = main
    rest = list(arguments)
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        assert rest[0] in command.commands, f"no command {rest[0]!r} in {arguments}"
        command = command.commands[rest.pop(0)]
    assert not isinstance(command, click.Group), f"{arguments} names a group, not a command"
    options = {name for parameter in command.params for name in parameter.opts}
    given = {word.split("=")[0] for word in rest if word.startswith("--")}
    assert given <= options | {"--help"}, f"{arguments}: unknown {given - options}"
    for parameter in command.params:
        if isinstance(parameter, click.Option) and parameter.required:
            assert set(parameter.opts) & given, f"{arguments} lacks {parameter.opts[0]}"
