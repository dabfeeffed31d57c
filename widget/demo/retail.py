"""The demo's real data: UCI Online Retail order lines, as a catalogue and as orders.

Two sources with one layout (the original CSV's columns): the whole file in
`../shared/data/online-retail/` beside the repository, or the slice shipped in this package
(`make_subset` cuts it, reproducibly). Only purchases of products count: cancellations
(invoices starting with `C`), lines with a quantity or price <= 0, and stock codes that are
not products (postage, fees, discounts, manual entries: codes not starting with a digit)
are left out.
"""

from __future__ import annotations

import csv
import gzip
import io
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal, NamedTuple

SourceChoice = Literal["auto", "shared", "packaged"]
CURRENCY = "GBP"
PACKAGED = Path(__file__).resolve().parent / "data" / "online_retail_subset.csv.gz"
SHARED_PARTS = ("shared", "data", "online-retail", "online_retail.csv.gz")
COLUMNS = (
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
)


class RetailDataMissing(FileNotFoundError):
    """The chosen Online Retail file is not there."""


@dataclass(frozen=True)
class RetailSource:
    path: Path
    packaged: bool

    def describe(self) -> str:
        if self.packaged:
            return f"the Online Retail subset shipped with Basketlift ({self.path.name})"
        return f"the full Online Retail data set ({self.path})"


@dataclass(frozen=True)
class RetailLine:
    product_id: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class RetailOrder:
    """One real invoice: its purchase lines in file order, its time and its customer."""

    invoice: str
    customer: str | None
    placed: datetime
    lines: tuple[RetailLine, ...]

    def product_ids(self) -> list[str]:
        return list(dict.fromkeys(line.product_id for line in self.lines))


@dataclass(frozen=True)
class RetailProduct:
    """A product as the data knows it: its most frequent description and unit price, and
    the median quantity of its order lines (how many a buyer usually takes)."""

    product_id: str
    title: str
    price: Decimal
    usual_quantity: int


@dataclass(frozen=True)
class RetailData:
    """The source's whole catalogue, and the orders chosen to replay, oldest first."""

    source: RetailSource
    products: dict[str, RetailProduct]
    orders: tuple[RetailOrder, ...]


def find_source(choice: SourceChoice, search_from: Iterable[Path]) -> RetailSource:
    """The shared file when found beside one of `search_from` (for "auto"), else the subset."""
    if choice != "packaged":
        for folder in search_from:
            path = folder.resolve().parent.joinpath(*SHARED_PARTS)
            if path.is_file():
                return RetailSource(path, packaged=False)
        if choice == "shared":
            places = ", ".join(
                str(folder.resolve().parent / SHARED_PARTS[0]) for folder in search_from
            )
            raise RetailDataMissing(f"no Online Retail file under {places}")
    if not PACKAGED.is_file():
        raise RetailDataMissing(f"the packaged subset {PACKAGED} is missing from this install")
    return RetailSource(PACKAGED, packaged=True)


class RetailRow(NamedTuple):
    """One line of the CSV, its columns in `COLUMNS` order, as text."""

    invoice: str
    code: str
    description: str
    quantity: str
    date: str
    price: str
    customer: str
    country: str


def is_purchase(row: RetailRow) -> bool:
    return (
        not row.invoice.startswith("C")
        and row.code[:1].isdigit()
        and int(row.quantity) > 0
        and float(row.price) > 0
    )


def purchase_rows(path: Path, progress: Callable[[int], object]) -> Iterator[RetailRow]:
    """The purchase rows of an Online Retail CSV (gzip), reporting compressed bytes read."""
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8", newline="") as text:
        lines = csv.reader(text)
        if tuple(next(lines, ())) != COLUMNS:
            raise RetailDataMissing(f"{path} does not start with the header {','.join(COLUMNS)}")
        for number, fields in enumerate(lines):
            if number % 1000 == 0:
                progress(raw.tell())
            row = RetailRow._make(fields)
            if is_purchase(row):
                yield row
        progress(raw.tell())


def read_retail(
    source: RetailSource, progress: Callable[[int], object], latest: int, max_products: int
) -> RetailData:
    """Every product of the source, and its `latest` orders (oldest first) among those of
    at most `max_products` distinct products."""
    titles: dict[str, Counter[str]] = defaultdict(Counter)
    prices: dict[str, Counter[str]] = defaultdict(Counter)
    quantities: dict[str, list[int]] = defaultdict(list)
    orders: dict[str, list[RetailRow]] = {}
    for row in purchase_rows(source.path, progress):
        if title := row.description.strip():
            titles[row.code][title] += 1
        prices[row.code][row.price] += 1
        quantities[row.code].append(int(row.quantity))
        orders.setdefault(row.invoice, []).append(row)
    products = {
        code: RetailProduct(
            code,
            titles[code].most_common(1)[0][0] if titles[code] else code,
            Decimal(prices[code].most_common(1)[0][0]),
            int(statistics.median_low(quantities[code])),
        )
        for code in prices
    }
    # dates are "YYYY-MM-DD HH:MM:SS" text: in time order as strings
    ordered = sorted(orders.values(), key=lambda rows: rows[0].date)
    fitting = [rows for rows in ordered if len({row.code for row in rows}) <= max_products]
    return RetailData(source, products, tuple(_order(rows) for rows in fitting[-latest:]))


def _order(rows: list[RetailRow]) -> RetailOrder:
    first = rows[0]
    return RetailOrder(
        first.invoice,
        first.customer or None,
        datetime.fromisoformat(first.date),
        tuple(RetailLine(row.code, int(row.quantity), Decimal(row.price)) for row in rows),
    )


def write_rows(rows: Iterable[RetailRow]) -> bytes:
    """Rows in the original layout, as the gzip CSV that `read_retail` reads."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return gzip.compress(text.getvalue().encode(), compresslevel=9, mtime=0)
