"""What the demo prints: what is real, what is simulated, and the figures it produced.

The uplift and the fee are read back from the issued invoice's evidence (`recompute`), so
the summary shows exactly what the invoice bills.
"""

from __future__ import annotations

from billing import ExperimentStatistics, arm_table
from billing.currency import minor_unit_exponent
from billing.inference import Difference
from widget.demo.run import DemoResult
from widget.demo.visits import DETOUR_PROBABILITY


def _money(minor: float, currency: str) -> str:
    return f"{minor / 10 ** minor_unit_exponent(currency):+,.2f}"


def _interval(difference: Difference, currency: str, confidence: float) -> str:
    if not difference.available:
        return f"not available ({difference.reason})"
    return (
        f"{currency} {_money(difference.estimate, currency)} per visitor, {confidence:.0%} "
        f"interval {_money(difference.ci_low, currency)} to {_money(difference.ci_high, currency)}"
    )


def provenance(result: DemoResult, add_probability: float) -> list[str]:
    orders = result.orders
    span = f"{orders[0].placed:%Y-%m-%d} to {orders[-1].placed:%Y-%m-%d}"
    products = len(result.products_by_id)
    return [
        f"Real: {result.source.describe()}: its catalogue ({products:,} products, their"
        f" descriptions and list prices) and its latest {len(orders):,} orders ({span}), sent"
        " as orders of record; the server, store, tracker, models, billing and invoices.",
        "Simulated: one visit per order, today, browsing the order's products (and, with "
        f"probability {DETOUR_PROBABILITY}, a co-purchased one before each); treatment visitors"
        f" add one recommended item with probability {add_probability}.",
    ]


def _simulated_effect(result: DemoResult, treated_visitors: int, difference: Difference) -> str:
    """The adds' true value per treatment visitor against the measured interval: in this
    simulation the adds are the only difference between the arms."""
    currency = result.shop.contract.currency
    per_visitor = result.replayed.added_revenue / max(treated_visitors, 1)
    line = f"The simulated adds are worth {currency} {per_visitor:,.2f} per treatment visitor"
    if not difference.available:
        return line + "."
    minor = float(per_visitor) * 10 ** minor_unit_exponent(currency)
    if not difference.ci_low <= minor <= difference.ci_high:
        level = f"{result.shop.contract.confidence_level:.0%}"
        return line + f": outside the interval (a {level} interval misses the truth now and then)."
    if difference.ci_low <= 0:
        return line + (
            ": inside the interval, which also holds 0: this sample cannot tell an effect "
            "this small from none."
        )
    return line + ": inside the interval, which excludes 0: the uplift is measured."


def _models(result: DemoResult) -> list[str]:
    training = result.training
    lines = [
        f"Models: trained on {training.events:,} events ({training.items:,} products, "
        f"{training.visitors:,} visitors, {training.baskets:,} orders) "
        f"in {training.seconds:.1f} s."
    ]
    if isinstance(result.metrics, str):
        return lines + [f"Offline metrics: not computed ({result.metrics})."]
    lines.append("Offline, on the orders after training (one product hidden per order):")
    return lines + [
        f"  {m.model:<16} HR@10 {m.hr:.4f}  MRR@10 {m.mrr:.4f}  ({m.cases:,} orders)"
        for m in result.metrics
    ]


def summary_lines(result: DemoResult) -> list[str]:
    counts = result.replayed
    invoice = result.invoices.invoice
    contract = invoice.draft.recompute().contract
    currency = contract.currency
    statistics = ExperimentStatistics.from_dict(invoice.draft.evidence["statistics"])
    report = contract.uplift(statistics)
    difference = report.revenue_per_visitor.absolute
    treated, held = arm_table(statistics)
    assert invoice.issue is not None
    return [
        f"Set up in {result.setup_seconds:.0f} s.",
        f"Events ingested: {counts.events:,} from {counts.visits:,} visits "
        f"({counts.arms['treatment']:,} treatment, {counts.arms['holdout']:,} holdout); "
        f"{counts.orders:,} orders of record.",
        f"Recommended items added: {counts.recommended_adds:,} visits, "
        f"{currency} {counts.added_revenue:,.2f}.",
        *_models(result),
        f"Uplift in {invoice.draft.period}, revenue per visitor (treatment {treated.visitors:,} "
        f"visitors, holdout {held.visitors:,}): "
        + _interval(difference, currency, report.confidence_level),
        _simulated_effect(result, treated.visitors, difference),
        f"Fee: {currency} {invoice.draft.total}. {invoice.draft.statement}",
        f"Invoice {invoice.issue.number}, issued as at the month's close "
        f"({invoice.issue.issued_at:%Y-%m-%d %H:%M} UTC, simulated):",
        *(f"  {path}" for path in result.invoices.files),
    ]
