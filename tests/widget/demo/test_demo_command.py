"""`basketlift demo` end to end, as a process, at a reduced size on its own data folder."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.servers import free_port
from tests.widget.demo.samples import packaged
from widget.cli import main
from widget.demo.visits import visitor_of

ORDERS = 150


def demo(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASKETLIFT_")}
    env["BASKETLIFT_DATA_DIR"] = str(data_dir)
    command = [sys.executable, "-m", "widget", "demo", "--no-serve", "--port", str(free_port())]
    return subprocess.run([*command, *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_the_demo_runs_to_its_invoice_and_summary_once_per_folder(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    done = demo(data_dir, "--orders", str(ORDERS), "--retail-data", "packaged")
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "Data: the Online Retail subset shipped with Basketlift" in out
    assert "Events ingested: " in out and f"from {ORDERS} visits" in out
    assert f"{ORDERS} orders of record" in out
    assert "bought_together  HR@10" in out and "Uplift in " in out and "Fee: GBP " in out
    assert "visits before training" in done.stderr and "billing ledger" in done.stderr
    invoices = data_dir / "invoices"
    assert (invoices / "INV-demo-000001.pdf").read_bytes().startswith(b"%PDF-")
    table = next(invoices.glob("invoices-*.csv"))
    assert str(table) in out
    (row,) = csv.DictReader(table.read_text().splitlines())
    assert (row["document_number"], row["status"], row["currency"]) == (
        "INV-demo-000001",
        "issued",
        "GBP",
    )
    # every replayed visitor was counted by the ledger, in one arm or the other
    visitors = {visitor_of(order) for order in packaged(latest=ORDERS).orders}
    assert int(row["treated_visitors"]) + int(row["holdout_visitors"]) == len(visitors)
    again = demo(data_dir, "--orders", "4", "--retail-data", "packaged")
    assert again.returncode == 1 and "holds the demo of an earlier run" in again.stderr


def test_options_out_of_range_are_refused_with_their_name() -> None:
    result = CliRunner().invoke(main, ["demo", "--holdout", "1"])
    assert result.exit_code == 2 and "--holdout" in result.output
    result = CliRunner().invoke(main, ["demo", "--add-probability", "1.5"])
    assert result.exit_code == 2 and "--add-probability" in result.output
