"""`basketlift invoice`: contracts, period runs, issuing, voiding, exports and ledger checks."""

from __future__ import annotations

import asyncio
import datetime
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import orjson

from billing import BillingError, Contract, InvalidContract
from billing.contract_store import add_contract, contract_in_force
from billing.contract_terms import propose_terms
from billing.documents import Document, documents
from billing.exports import file_name, to_csv, to_json
from billing.invoice_pdf import render_pdf
from billing.invoice_records import period_invoices
from billing.invoice_store import finalize, reissue, run_period, void
from billing.invoices import Invoice
from billing.parties import Party, set_buyer, set_seller
from billing.period_lock import period_lock
from billing.periods import Period
from billing.recompute import check_ledger
from widget.cli.common import echo_json, load_settings, open_store, shop_option

T = TypeVar("T")


def _run(operation: Callable[[Any], Awaitable[T]]) -> T:
    async def run() -> T:
        async with open_store(load_settings()) as client:
            return await operation(client)

    try:
        return asyncio.run(run())
    except BillingError as error:
        raise click.ClickException(str(error)) from None


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _period(context: click.Context, parameter: click.Parameter, value: str) -> Period:
    try:
        return Period.parse(value)
    except BillingError as error:
        raise click.BadParameter(str(error)) from None


period_option = click.option(
    "--period", required=True, callback=_period, help="The billing month, as YYYY-MM."
)
shops_option = shop_option(
    "Only this shop; repeatable. Default: every billed shop.", "shops", multiple=True
)


def _summary(invoice: Invoice) -> dict[str, Any]:
    draft = invoice.draft
    return {
        "shop": draft.shop,
        "period": draft.period,
        "status": invoice.status,
        "number": invoice.issue.number if invoice.issue else None,
        "credit_note": invoice.credit_note.number if invoice.credit_note else None,
        "revision": draft.revision,
        "replaces": draft.replaces,
        "total": str(draft.total),
        "currency": draft.currency,
    }


@click.group()
def invoice() -> None:
    """Bill shops a share of their measured uplift: contracts, invoices, exports."""


@invoice.command("add-contract")
@click.argument("contract_file", type=click.File("rb"))
def add_contract_command(contract_file: Any) -> None:
    """Store the next version of a shop's contract from a JSON file ("-" for stdin).

    \b
    Required: shop, version (1, then each change +1), effective_from (the first day
    of a month after today: terms are fixed before the period they price), currency
    (ISO 4217), revenue_share_percent.
    Optional: basis ("cumulative", the default; "lower_bound", month by month;
    "point", NOT SAFE), monthly_visitors (the traffic expected a month) and
    revenue_per_visitor_cap (the most one visitor's revenue counts for in a month):
    the cumulative basis's terms, proposed from last month's ledger when left out, so
    a new shop, without buyers last month, must give them; holdout_share (0.1; it
    assigns visitors from the version's first day), monthly_licence_fee, minimum_fee,
    fee_cap, billing_time_zone ("UTC"; never changes), confidence_level, gates,
    payment_terms_days (30: the due date is this many days after issue),
    tax_rate_percent ("0": the tax, e.g. VAT, on the net total; none under reverse
    charge). Money and percentages as strings, money in major units, e.g. "49.00".

    \b
    Example, a new shop's first version:
      {"shop": "acme", "version": 1, "effective_from": "2027-01-01",
       "currency": "GBP", "revenue_share_percent": "15",
       "monthly_visitors": 20000, "revenue_per_visitor_cap": "250.00",
       "payment_terms_days": 30, "tax_rate_percent": "20"}
    """
    terms = _parse_json(contract_file.read())

    async def store(client: Any) -> Contract:
        proposed = terms
        if terms.get("basis", "cumulative") == "cumulative" and not (
            "monthly_visitors" in terms and "revenue_per_visitor_cap" in terms
        ):
            proposed = terms | await _proposed_terms(client, terms)
        return await add_contract(client, Contract.from_dict(proposed), _now())

    stored = _run(store)
    click.echo(f"contract version {stored.version} of {stored.shop} stored")


async def _proposed_terms(client: Any, terms: dict[str, Any]) -> dict[str, Any]:
    """The cumulative basis's missing terms, from last month's ledger."""
    if not isinstance(terms.get("shop"), str) or not isinstance(terms.get("currency"), str):
        raise InvalidContract("contract", "needs its shop and currency")
    before = Period.of(_now().date()).previous()
    proposed = await propose_terms(client, terms["shop"], before, terms["currency"])
    found = {
        "monthly_visitors": terms.get("monthly_visitors", proposed.monthly_visitors),
        "revenue_per_visitor_cap": terms.get(
            "revenue_per_visitor_cap", str(proposed.revenue_per_visitor_cap)
        ),
    }
    click.echo(
        f"from {before}'s ledger: monthly_visitors {found['monthly_visitors']}, "
        f"revenue_per_visitor_cap {found['revenue_per_visitor_cap']} {terms['currency']}",
        err=True,
    )
    return found


def _parse_json(body: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise click.ClickException(f"the contract is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise click.ClickException("the contract must be a JSON object")
    return data


@invoice.command("seller")
@click.option("--name", required=True, help="The seller's legal name.")
@click.option("--address", multiple=True, help="One line of the address; repeatable.")
@click.option("--country", help="ISO 3166-1 alpha-2 code, e.g. GB: decides reverse charge.")
@click.option("--tax-id", help="The seller's VAT or tax id.")
@click.option("--iban", help="The account invoices are paid to (spaces allowed; checked).")
@click.option("--bic", help="The bank's BIC (SWIFT code), 8 or 11 characters.")
@click.option(
    "--payment-note",
    help='Other payment instructions, printed as given, e.g. "Sort code 20-00-00, account '
    '12345678" where there is no IBAN.',
)
def seller(
    name: str,
    address: tuple[str, ...],
    country: str | None,
    tax_id: str | None,
    iban: str | None,
    bic: str | None,
    payment_note: str | None,
) -> None:
    """Set the seller (the operator of this deployment) shown on every invoice issued from
    now on, with the payment details its invoices ask to be paid to. Every run replaces all
    the details: give them all each time."""
    details = {"country": country, "tax_id": tax_id, "iban": iban, "bic": bic}
    _run(
        lambda client: set_seller(
            client, Party.of(name, address, **details, payment_note=payment_note)
        )
    )


@invoice.command("buyer")
@shop_option("The shop billed.")
@click.option("--name", required=True, help="The buyer's legal name.")
@click.option("--address", multiple=True, help="One line of the address; repeatable.")
@click.option("--country", help="ISO 3166-1 alpha-2 code, e.g. DE: decides reverse charge.")
@click.option("--tax-id", help="The buyer's VAT or tax id.")
def buyer(
    shop: str, name: str, address: tuple[str, ...], country: str | None, tax_id: str | None
) -> None:
    """Set a shop's billing details, shown on its invoices issued from now on. A buyer with a
    tax id in another country than the seller's is invoiced under reverse charge."""
    _run(
        lambda client: set_buyer(
            client, shop, Party.of(name, address, country=country, tax_id=tax_id)
        )
    )


@invoice.command("run")
@period_option
@shops_option
def run(period: Period, shops: tuple[str, ...]) -> None:
    """Lock the period and draft its invoices; running again changes nothing."""
    drafted, skipped = _run(lambda client: run_period(client, period, _now(), list(shops) or None))
    echo_json({"invoices": [_summary(found) for found in drafted], "no_contract": skipped})


@invoice.command("finalize")
@period_option
@shops_option
def finalize_command(period: Period, shops: tuple[str, ...]) -> None:
    """Number and freeze the period's drafts; issued invoices never change."""

    async def issue(client: Any) -> list[Invoice]:
        drafts = await period_invoices(client, period, list(shops) or None)
        invoiced = sorted({found.draft.shop for found in drafts})
        return [await finalize(client, shop, period, _now()) for shop in invoiced]

    echo_json({"invoices": [_summary(found) for found in _run(issue)]})


@invoice.command("void")
@period_option
@shop_option("The shop whose invoice is voided.")
@click.option("--reason", required=True, help="Why, printed on the credit note.")
def void_command(period: Period, shop: str, reason: str) -> None:
    """Cancel an issued invoice with a credit note of its full amount."""
    echo_json(_summary(_run(lambda client: void(client, shop, period, reason, _now()))))


@invoice.command("reissue")
@period_option
@shop_option("The shop whose voided invoice is replaced.")
def reissue_command(period: Period, shop: str) -> None:
    """Draft a corrected invoice in place of a voided one (then `finalize` gives it a new
    number); its statistics include what arrived after the period was locked."""
    echo_json(_summary(_run(lambda client: reissue(client, shop, period, _now()))))


@invoice.command("export")
@period_option
@shops_option
@click.option(
    "--format",
    "export_format",
    type=click.Choice(["csv", "json", "pdf"]),
    default="csv",
    show_default=True,
    help="CSV and JSON list every document; PDF writes one file each.",
)
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write into; CSV and JSON go to stdout without it. Default for PDF: '.'.",
)
def export(period: Period, shops: tuple[str, ...], export_format: str, output: Path | None) -> None:
    """Export the period's invoices and credit notes for finance."""
    found = documents(_run(lambda client: period_invoices(client, period, list(shops) or None)))
    if export_format == "pdf":
        _write_pdfs(found, output or Path("."))
        return
    body = to_csv(found).encode() if export_format == "csv" else to_json(found)
    if output is None:
        sys.stdout.buffer.write(body)
        return
    output.mkdir(parents=True, exist_ok=True)
    target = output / f"invoices-{period}.{export_format}"
    target.write_bytes(body)
    click.echo(f"{len(found)} documents written to {target}", err=True)


def _write_pdfs(found: list[Document], output: Path) -> None:
    output.mkdir(parents=True, exist_ok=True)
    for document in found:
        (output / file_name(document, "pdf")).write_bytes(render_pdf(document))
    click.echo(f"{len(found)} PDF documents written to {output}", err=True)


@invoice.command("check")
@period_option
@shop_option("The shop whose ledger is checked.")
def check(period: Period, shop: str) -> None:
    """Recompute the period's daily statistics from the raw visitor rows and compare."""

    async def compare(client: Any) -> dict[str, Any]:
        contract = await contract_in_force(client, shop, period)
        lock = await period_lock(client, shop, period)
        cap = lock.revenue_cap_minor if lock else contract.revenue_cap_minor
        result = await check_ledger(client, shop, period, contract.currency, cap)
        pooled_differs = (
            lock is not None
            and lock.cap_source == "pooled"
            and lock.revenue_cap_minor != result.pooled_cap_minor
        )
        return {
            "matches": result.matches and not pooled_differs,
            "days": len(result.stored),
            "differing_days": [day.isoformat() for day in result.differing_days],
            "revenue_cap_minor": cap,
            "cap_source": lock.cap_source if lock else None,
            "recomputed_pooled_cap_minor": result.pooled_cap_minor,
        }

    report = _run(compare)
    echo_json(report)
    if not report["matches"]:
        raise SystemExit(1)
