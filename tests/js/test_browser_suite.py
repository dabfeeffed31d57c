"""The browser code's own suites (node's test runner, and real headless Chromium against
a real `basketlift serve`), run as part of the one test command."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
JS = Path(__file__).resolve().parents[2] / "js"


def test_unit_and_browser_suites_pass() -> None:
    result = subprocess.run(
        ["bash", str(JS / "run-tests.sh")], capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]
