"""Basket completion on Online Retail: the bought-together model and its baselines, on
the validation split (inside the training period; the settings were chosen there) and
on the test period (the last 30 days), plus a small grid of the basket settings on
validation only.

    .venv/bin/python bench/engine_baskets.py [ORDERS_CSV]

Writes bench/results/engine_baskets.json.
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

import orjson

from engine import basket_evaluation as be
from engine.basket import BasketSettings, BoughtTogether
from engine.orders import OrderLines
from widget.cli.evaluate import BASKET_COLUMNS, BASKET_MODELS

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "data" / "online-retail" / "online_retail.csv.gz"
ORDERS = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
GRID = (
    BasketSettings(measure="lift"),
    BasketSettings(size_power=0.0),
    BasketSettings(size_power=0.5),
    BasketSettings(),
    BasketSettings(size_power=1.5),
    BasketSettings(min_together=3),
    BasketSettings(shrink=5.0),
)


def table(split: str, data: be.BasketSplit) -> list[dict[str, object]]:
    print(f"\n{split}: {len(data.train)} training baskets, {len(data.test)} cases")
    print("  ".join(f"{c:>15}" for c in BASKET_COLUMNS))
    rows: list[dict[str, object]] = []
    for factory in BASKET_MODELS.values():
        record = be.evaluate_baskets(factory(), data).as_record()
        print("  ".join(f"{record[c]:>15}" for c in BASKET_COLUMNS))
        rows.append({"split": split, **record})
    return rows


def grid(data: be.BasketSplit) -> list[dict[str, object]]:
    print("\nvalidation grid of bought_together settings")
    rows: list[dict[str, object]] = []
    for settings in GRID:
        record = be.evaluate_baskets(BoughtTogether(settings), data).as_record()
        print(f"{settings}  hr@10={record['hr@10']}  revenue_hr@10={record['revenue_hr@10']}")
        rows.append({"settings": asdict(settings), **record})
    return rows


def main() -> None:
    lines = OrderLines.read_csv(ORDERS)
    validation = be.validation(lines)
    results = {
        "validation": table("validation", validation),
        "test": table("test", be.split(lines)),
        "grid": grid(validation),
    }
    out = ROOT / "bench" / "results" / "engine_baskets.json"
    out.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
