"""The browser code's own suites (node's test runner, and real headless Chromium against
a real `basketlift serve`), run as part of the one test command."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
JS = Path(__file__).resolve().parents[2] / "js"


def failure_report(output: str, limit: int = 8000) -> str:
    """The failing tests' own lines first: a tail alone often cuts them off."""
    start = output.find("not ok")
    shown = output[max(0, start - 500) :] if start >= 0 else output
    return shown[:limit] if start >= 0 else shown[-limit:]


def test_failure_report_starts_at_the_first_failure() -> None:
    output = "ok 1 - fine\n" + "x" * 9000 + "\nnot ok 2 - broken\n  error: boom\n" + "y" * 9000
    report = failure_report(output)
    assert "not ok 2 - broken\n  error: boom" in report
    assert failure_report("all fine\n" + "z" * 9000).endswith("z")


def test_unit_and_browser_suites_pass() -> None:
    result = subprocess.run(
        ["bash", str(JS / "run-tests.sh")], capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, failure_report(result.stdout) + result.stderr[-4000:]
