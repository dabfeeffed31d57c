"""Billing calibration: how often the cumulative fee charges without an effect, and how much
of a real effect it bills, beside today's monthly lower-bound basis on the same months.

Each run draws a shop's returning customers (`bench.billing_months`, calibrated on Online
Retail) and signs a contract after one month without the widget (its buyers fix the revenue
cap at their 99th percentile; the forecast monthly traffic fixes the design's reference,
12 months of it), then bills 12 months: each month's sums since the contract started, with
the same visitors' pre-period sums (CUPED) and the visitors at the earlier invoices, go
through `billing.compute_cumulative_fee` with the share billed before, and the month alone
through `billing.compute_fee` (the monthly `lower_bound` basis, capped at the month's pooled
99.9th percentile) for comparison. "Fair" is the share of the true (uncapped) incremental
revenue of the treated visitors.

    python -m bench.billing_calibration [--runs 2000] [--runs-large 200] [--seed 1] [--jobs 2]
"""

from __future__ import annotations

import argparse
import datetime
import math
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import numpy as np
from tqdm import tqdm

from bench.billing_months import ContractToDate, Traffic, draw_customers, simulate_month
from bench.harness import print_table, save_results
from billing import (
    Contract,
    ExperimentStatistics,
    PrePeriodStatistics,
    SequenceDesign,
    buyer_revenue_cap,
    compute_cumulative_fee,
    compute_fee,
)

MONTHS = 12
SHARE_PERCENT = Decimal(15)
ALPHA = 0.025


# Traffic halving for four months, then doubling for four, then as forecast.
UNEVEN = (0.5,) * 4 + (2.0,) * 4 + (1.0,) * 4


@dataclass(frozen=True)
class Scenario:
    name: str
    traffic: Traffic
    target: str
    met: Callable[[dict[str, float]], bool]
    # Each month's traffic over the forecast (`traffic.visitors`); all 1 when not given.
    monthly_factors: tuple[float, ...] = field(default=(1.0,) * MONTHS)
    # Rows of the cumulative sums: one a visitor ("visitor", their revenue since the contract
    # started) or one a visitor-month (a customer seen in 12 months is 12 correlated rows).
    unit: Literal["visitor", "visitor-month"] = "visitor"


def scenarios() -> list[Scenario]:
    """The issue's rows, each at σ 1.2 and 1.5, with and without returning customers."""
    return [row for pair in zip(_rows(1.2), _rows(1.5), strict=True) for row in pair]


def _rows(sigma: float) -> list[Scenario]:
    def aa(name: str, traffic: Traffic, target: str = AA_TARGET, **options: Any) -> Scenario:
        return Scenario(name, traffic, target, _aa_met, **options)

    def billed(share: float) -> Callable[[dict[str, float]], bool]:
        return lambda r: r["billed_over_fair"] >= share and r["overcharged"] <= ALPHA

    new_only: dict[str, Any] = {"returning_share": 0.0}
    rows = [
        aa("A/A", Traffic(visitors=20_000, sigma=sigma)),
        aa("A/A, traffic 0.5x then 2x forecast", Traffic(20_000, sigma), monthly_factors=UNEVEN),
        aa(
            "A/A, sums of visitor-months",
            Traffic(visitors=20_000, sigma=sigma),
            "(not in the issue) " + AA_TARGET,
            unit="visitor-month",
        ),
        aa("A/A, no returning customers", Traffic(visitors=20_000, sigma=sigma, **new_only)),
        Scenario(
            "A/B -5% conversion",
            Traffic(visitors=20_000, sigma=sigma, conversion_lift=0.95),
            "months charged <= 2.5%",
            lambda r: r["months_charged"] <= ALPHA,
        ),
    ]
    returning: dict[str, Any]
    for returning in ({}, new_only):
        suffix = "" if not returning else ", no returning customers"
        rows += [
            Scenario(
                "A/B +5% conversion" + suffix,
                Traffic(2_000_000, sigma, conversion_lift=1.05, **returning),
                "billed >= 65% of fair; overcharged <= 2.5%",
                billed(0.65),
            ),
            Scenario(
                "A/B +5% conversion" + suffix,
                Traffic(200_000, sigma, conversion_lift=1.05, **returning),
                "billed >= 20% of fair",
                billed(0.20),
            ),
            Scenario(
                "A/B +5% basket" + suffix,
                Traffic(2_000_000, sigma, basket_lift=1.05, **returning),
                "billed >= 55% of fair",
                billed(0.55),
            ),
        ]
    return rows


AA_TARGET = "months charged <= 2.5%; billed > 0 at m12 <= 2.5%"


def _aa_met(row: dict[str, float]) -> bool:
    return row["months_charged"] <= ALPHA and row["billed_by_m12"] <= ALPHA


def _contract(cap_minor: int | None, holdout_share: float) -> Contract:
    return Contract(
        shop="bench",
        version=1,
        effective_from=datetime.date(2026, 1, 1),
        currency="EUR",
        revenue_share_percent=SHARE_PERCENT,
        revenue_per_visitor_cap=None if cap_minor is None else Decimal(cap_minor).scaleb(-2),
        holdout_share=holdout_share,
    )


def one_contract(
    rng: np.random.Generator,
    traffic: Traffic,
    monthly_factors: tuple[float, ...],
    unit: Literal["visitor", "visitor-month"],
) -> dict[str, float]:
    """Twelve monthly invoices of one shop on both bases; money in EUR."""
    customers = draw_customers(rng, traffic)
    before = simulate_month(rng, traffic, effect=False, customers=customers)
    cap = buyer_revenue_cap(before.buyers_revenue())
    design = SequenceDesign.for_monthly_visitors(traffic.visitors)
    terms = _contract(cap, traffic.holdout_share)
    today_terms = _contract(None, traffic.holdout_share)
    share = float(SHARE_PERCENT) / 100
    cumulative, pre_period = ExperimentStatistics("EUR", cap), PrePeriodStatistics()
    to_date = ContractToDate(customers, cap)
    looks: tuple[int, ...] = ()
    billed, today_billed, fair = Decimal(0), Decimal(0), 0.0
    charged = today_charged = overcharged = today_overcharged = 0
    standard_error = 0.0
    for factor in monthly_factors:
        visitors = round(factor * traffic.visitors)
        month = simulate_month(rng, traffic, customers=customers, visitors=visitors)
        if unit == "visitor":
            to_date.add(month)
            cumulative, pre_period = to_date.statistics()
        else:
            cumulative += month.statistics(cap)
            pre_period += month.pre_period(cap)
        fee = compute_cumulative_fee(
            terms, cumulative, billed, design, pre_period, earlier_looks=looks
        )
        looks += (fee.bound.visitors,)
        today = compute_fee(today_terms, month.statistics(month.pooled_cap())).share_fee
        billed += fee.share_fee
        today_billed += today
        fair += share * month.treatment.visitors * traffic.effect_per_treated_visitor / 100
        charged += fee.share_fee > 0
        today_charged += today > 0
        overcharged |= float(billed) > max(fair, 0.0)
        today_overcharged |= float(today_billed) > max(fair, 0.0)
        standard_error = fee.bound.standard_error
    return {
        "months_charged": charged / MONTHS,
        "billed_by_m12": float(billed > 0),
        "billed_over_fair": float(billed) / fair if fair > 0 else math.nan,
        "overcharged": float(overcharged),
        "today_months_charged": today_charged / MONTHS,
        "today_billed_over_fair": float(today_billed) / fair if fair > 0 else math.nan,
        "today_overcharged": float(today_overcharged),
        "effect_over_se_m12": traffic.effect_per_treated_visitor / standard_error
        if standard_error > 0
        else math.nan,
    }


def run_row(index: int, runs: int, seed: int) -> dict[str, Any]:
    """Row `index` of `scenarios()`; by index, as a scenario's test (a lambda) cannot be
    sent to another process."""
    scenario = scenarios()[index]
    rng = np.random.default_rng([seed, index])
    label = f"{scenario.name} {scenario.traffic.visitors:,}/month σ {scenario.traffic.sigma}"
    started = time.perf_counter()
    results = [
        one_contract(rng, scenario.traffic, scenario.monthly_factors, scenario.unit)
        for _ in tqdm(range(runs), desc=label)
    ]
    measured: dict[str, float] = {}
    errors: dict[str, float] = {}
    for key in results[0]:
        values = np.array([result[key] for result in results])
        measured[key] = float(np.mean(values))
        errors[key] = float(np.std(values, ddof=1) / math.sqrt(runs))
    return {
        "scenario": scenario.name,
        "visitors_per_month": scenario.traffic.visitors,
        "holdout_share": scenario.traffic.holdout_share,
        "sigma": scenario.traffic.sigma,
        "runs": runs,
        "mean": measured,
        "standard_error": errors,
        "target": scenario.target,
        "met": scenario.met(measured),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _cell(row: dict[str, Any], key: str) -> str:
    mean, error = row["mean"][key], row["standard_error"][key]
    if math.isnan(mean):
        return "-"
    return f"{100 * mean:.1f} ± {100 * error:.1f}"


def table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "scenario": row["scenario"],
            "visitors/mo": f"{row['visitors_per_month']:,}",
            "holdout": row["holdout_share"],
            "σ": row["sigma"],
            "runs": row["runs"],
            "months charged %": _cell(row, "months_charged"),
            "billed>0 m12 %": _cell(row, "billed_by_m12"),
            "billed/fair %": _cell(row, "billed_over_fair"),
            "overcharged %": _cell(row, "overcharged"),
            "effect/se m12": f"{row['mean']['effect_over_se_m12']:.2f}",
            "today charged %": _cell(row, "today_months_charged"),
            "today billed/fair %": _cell(row, "today_billed_over_fair"),
            "today overch. %": _cell(row, "today_overcharged"),
            "target": row["target"],
            "met": "yes" if row["met"] else "NO",
        }
        for row in rows
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2_000, help="Runs of a row below 2M/month.")
    parser.add_argument("--runs-large", type=int, default=200, help="Runs of a 2M/month row.")
    parser.add_argument("--seed", type=int, default=1, help="Seed of the first row's draws.")
    parser.add_argument(
        "--rows", type=int, nargs="*", help="Only these rows (0-based), e.g. while iterating."
    )
    parser.add_argument("--jobs", type=int, default=1, help="Rows run at once, one a process.")
    args = parser.parse_args()
    work = [
        (scenario, args.runs_large if scenario.traffic.visitors >= 1_000_000 else args.runs)
        for scenario in scenarios()
    ]
    chosen = [
        (index, runs, args.seed)
        for index, (_, runs) in enumerate(work)
        if args.rows is None or index in args.rows
    ]
    # each row draws from its own seed, so running rows in parallel changes no figure
    with multiprocessing.Pool(args.jobs) as pool:
        rows = pool.starmap(run_row, chosen, chunksize=1)
    print_table(
        table(rows),
        f"Cumulative basis (alpha {ALPHA}, share {SHARE_PERCENT}%) and today's monthly "
        f"lower_bound basis over {MONTHS} invoices; mean ± Monte-Carlo standard error",
    )
    payload = {"seed": args.seed, "months": MONTHS, "alpha": ALPHA, "rows": rows}
    print(f"saved {save_results('billing_calibration', payload)}")


if __name__ == "__main__":
    main()
