from __future__ import annotations

import asyncio
import csv
import datetime
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from billing import Contract, Period, record_exposure, record_order, record_visit
from billing.contract_store import contract_versions
from tests.billing.ledger_samples import october_ledger
from tests.billing.samples import contract
from tracker.shops import ShopRegistry
from widget.cli.invoice import invoice
from widget.platform.store import connect

CLI = "from widget.cli.invoice import invoice; invoice()"


def _commands(group: click.Group) -> Iterator[tuple[str, ...]]:
    yield ()
    for name in group.commands:
        yield (name,)


@pytest.mark.parametrize("path", list(_commands(invoice)), ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    assert CliRunner().invoke(invoice, [*path, "--help"]).exit_code == 0
    command = invoice.commands[path[0]] if path else invoice
    assert command.help, f"invoice {' '.join(path)} has no help text"


def _ledger(url: str, *shops: str) -> None:
    """Registered shops (the commands' --shop must name one) with an October ledger."""

    async def fill() -> None:
        client = await connect(url)
        for shop in shops:
            await ShopRegistry(client).create(shop.upper(), (), shop)
            await october_ledger(client, shop, treated=40, holdout=40)
        await client.aclose()

    asyncio.run(fill())


def run(url: str, *args: str) -> Any:
    result = CliRunner().invoke(invoice, list(args), env={"BASKETLIFT_REDIS_URL": url})
    assert result.exit_code == 0, result.output
    return result


def test_run_finalize_void_and_export(clean_store: str, tmp_path: Path) -> None:
    _ledger(clean_store, "a", "b")
    drafted = json.loads(run(clean_store, "run", "--period", "2026-10").output)
    assert [found["status"] for found in drafted["invoices"]] == ["draft", "draft"]
    issued = json.loads(run(clean_store, "finalize", "--period", "2026-10").output)
    assert [found["number"] for found in issued["invoices"]] == ["INV-a-000001", "INV-b-000001"]
    run(clean_store, "void", "--period", "2026-10", "--shop", "b", "--reason", "duplicate")
    rows = list(
        csv.DictReader(io.StringIO(run(clean_store, "export", "--period", "2026-10").stdout))
    )
    assert [row["document_number"] for row in rows] == [
        "INV-a-000001",
        "INV-b-000001",
        "CN-b-000001",
    ]
    run(clean_store, "export", "--period", "2026-10", "--format", "pdf", "--output", str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "CN-b-000001.pdf",
        "INV-a-000001.pdf",
        "INV-b-000001.pdf",
    ]
    assert (tmp_path / "INV-a-000001.pdf").read_bytes().startswith(b"%PDF-")


def test_check_recomputes_the_ledger(clean_store: str) -> None:
    _ledger(clean_store, "a")
    report = json.loads(run(clean_store, "check", "--period", "2026-10", "--shop", "a").output)
    assert report["matches"] and report["days"] == 28


def next_month() -> datetime.date:
    return Period.of(datetime.datetime.now(datetime.UTC).date()).next().first_day


def test_contract_seller_and_bad_input(clean_store: str, tmp_path: Path) -> None:
    terms = tmp_path / "contract.json"
    terms.write_text(json.dumps(contract(shop="z", effective_from=next_month()).as_dict()))
    assert "version 1 of z" in run(clean_store, "add-contract", str(terms)).output
    env = {"BASKETLIFT_REDIS_URL": clean_store}
    again = CliRunner().invoke(invoice, ["add-contract", str(terms)], env=env)
    assert again.exit_code == 1 and "not at version 0" in again.output
    bad = CliRunner().invoke(invoice, ["run", "--period", "2026-13"], env=env)
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output


def test_a_contract_cannot_price_a_month_already_begun(clean_store: str, tmp_path: Path) -> None:
    terms = tmp_path / "contract.json"
    this_month = Period.of(datetime.datetime.now(datetime.UTC).date()).first_day
    terms.write_text(json.dumps(contract(shop="z", effective_from=this_month).as_dict()))
    refused = CliRunner().invoke(
        invoice, ["add-contract", str(terms)], env={"BASKETLIFT_REDIS_URL": clean_store}
    )
    assert refused.exit_code == 1
    assert f"the earliest is {next_month()}" in refused.output


def test_the_cumulative_terms_are_proposed_from_last_month(
    clean_store: str, tmp_path: Path
) -> None:
    last_month = Period.of(datetime.datetime.now(datetime.UTC).date()).previous()

    async def fill() -> None:
        client = await connect(clean_store)
        for index in range(300):
            visitor, day = f"v{index}", last_month.first_day + datetime.timedelta(days=index % 28)
            at = datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC)
            await record_exposure(client, "z", visitor, "treatment", at)
            await record_visit(client, "z", visitor, day, exposed=True)
            if index % 10 == 0:  # 30 buyers spending 1.00 to 30.00
                await record_order(
                    client, "z", visitor, day, 100 * (1 + index // 10), entry_id=visitor
                )
        await client.aclose()

    asyncio.run(fill())
    terms = tmp_path / "contract.json"
    body = {
        "shop": "z",
        "version": 1,
        "effective_from": next_month().isoformat(),
        "currency": "EUR",
        "revenue_share_percent": "15",
    }
    terms.write_text(json.dumps(body))
    result = run(clean_store, "add-contract", str(terms))
    # the 99th percentile of 30 buyers is the 30th by the nearest-rank rule
    assert "monthly_visitors 300, revenue_per_visitor_cap 30.00 EUR" in result.stderr

    async def stored() -> Contract:
        client = await connect(clean_store)
        versions = await contract_versions(client, "z")
        await client.aclose()
        return versions[0]

    found = asyncio.run(stored())
    assert (found.basis, found.monthly_visitors) == ("cumulative", 300)
    assert found.revenue_per_visitor_cap == Decimal("30.00")


def test_racing_processes_make_one_invoice_and_one_number(clean_store: str) -> None:
    _ledger(clean_store, "a")
    env = {"BASKETLIFT_REDIS_URL": clean_store, "PATH": ""}
    for command in ("run", "finalize"):
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", CLI, command, "--period", "2026-10"],
                env=env,
                stdout=subprocess.PIPE,
            )
            for _ in range(2)
        ]
        outputs = [json.loads(process.communicate(timeout=60)[0]) for process in processes]
        assert all(process.returncode == 0 for process in processes)
        assert len({json.dumps(output["invoices"]) for output in outputs}) == 1
    assert outputs[0]["invoices"][0]["number"] == "INV-a-000001"


def test_seller_and_buyer_details_reach_the_export(clean_store: str) -> None:
    _ledger(clean_store, "a")
    seller = ["seller", "--name", "Basketlift Ltd", "--country", "gb", "--tax-id", "GB123456789"]
    run(clean_store, *seller, "--iban", "GB82 WEST 1234 5698 7654 32", "--bic", "NWBKGB2L")
    buyer = ["buyer", "--shop", "a", "--name", "A GmbH", "--country", "DE"]
    run(clean_store, *buyer, "--tax-id", "DE123456789")
    run(clean_store, "run", "--period", "2026-10")
    run(clean_store, "finalize", "--period", "2026-10")
    (row,) = csv.DictReader(io.StringIO(run(clean_store, "export", "--period", "2026-10").stdout))
    assert (row["buyer_name"], row["buyer_country"], row["buyer_tax_id"]) == (
        "A GmbH", "DE", "DE123456789",
    )  # fmt: skip
    due = datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=30)
    assert (row["reverse_charge"], row["tax_in_currency"], row["due_date"]) == (
        "yes", "0.00", due.isoformat(),
    )  # fmt: skip
    body = json.loads(run(clean_store, "export", "--period", "2026-10", "--format", "json").stdout)
    assert body["documents"][0]["seller"]["iban"] == "GB82WEST12345698765432"


def test_a_wrong_iban_is_refused_naming_the_field(clean_store: str) -> None:
    refused = CliRunner().invoke(
        invoice,
        ["seller", "--name", "Basketlift Ltd", "--iban", "GB82 WEST 1234 5698 7654 33"],
        env={"BASKETLIFT_REDIS_URL": clean_store},
    )
    assert refused.exit_code == 1 and "iban: is not a valid IBAN" in refused.output


def test_the_help_example_is_a_new_shops_contract(clean_store: str, tmp_path: Path) -> None:
    shown = CliRunner().invoke(invoice, ["add-contract", "--help"]).output
    example = json.loads(shown[shown.index("{") : shown.rindex("}") + 1])
    assert {"monthly_visitors", "revenue_per_visitor_cap"} <= example.keys()
    terms = tmp_path / "contract.json"
    terms.write_text(json.dumps(example | {"effective_from": next_month().isoformat()}))
    stored = run(clean_store, "add-contract", str(terms))
    assert stored.output == "contract version 1 of acme stored\n"
