"""Order lines and the baskets they make: reading an order-line CSV, splitting it by time.

The CSV layout is UCI Online Retail's (a header with at least `InvoiceNo`, `StockCode`,
`Quantity`, `InvoiceDate`, `UnitPrice`), plain or gzip. Invoices starting with `C` are
cancellations; lines with a quantity or price <= 0 are adjustments, not purchases.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import numpy.typing as npt

from engine.errors import EmptyData
from engine.files import read_text
from engine.sessions import ItemIds, Sessions

_COLUMNS = ("InvoiceNo", "StockCode", "Quantity", "UnitPrice", "InvoiceDate")
CANCELLATION_PREFIX = "C"


@dataclass(frozen=True)
class OrderLines:
    """Order lines as columns, each (n_lines,), in file order: invoice, product, quantity,
    unit price and the invoice's time (datetime64[s])."""

    invoices: npt.NDArray[np.str_]
    products: npt.NDArray[np.str_]
    quantities: npt.NDArray[np.float64]
    prices: npt.NDArray[np.float64]
    times: npt.NDArray[np.datetime64]

    @classmethod
    def read_csv(cls, path: Path) -> OrderLines:
        return cls.from_text(read_text(path))

    @classmethod
    def from_text(cls, text: str) -> OrderLines:
        reader = csv.reader(io.StringIO(text))
        header = next(reader, None)
        missing = [c for c in _COLUMNS if header is None or c not in header]
        if header is None or missing:
            raise EmptyData(f"an order-line CSV needs the columns {', '.join(missing)}")
        columns = list(zip(*reader, strict=True)) or [()] * len(header)
        invoice, product, quantity, price, moment = (columns[header.index(c)] for c in _COLUMNS)
        return cls(
            np.array(invoice, dtype=np.str_),
            np.array(product, dtype=np.str_),
            np.array(quantity, dtype=np.float64),
            np.array(price, dtype=np.float64),
            np.array(moment, dtype=np.str_).astype("datetime64[s]"),
        )

    def __len__(self) -> int:
        return len(self.invoices)

    def select(self, mask: npt.NDArray[np.bool_]) -> OrderLines:
        return OrderLines(*(getattr(self, f.name)[mask] for f in fields(self)))

    def purchases(self) -> OrderLines:
        """The lines that are purchases: no cancellations, quantity and price above 0."""
        cancelled = np.char.startswith(self.invoices, CANCELLATION_PREFIX)
        return self.select(~cancelled & (self.quantities > 0) & (self.prices > 0))

    def split(self, days: float) -> tuple[OrderLines, OrderLines]:
        """The lines before, and the lines of, the last `days` days (by invoice time)."""
        if len(self) == 0:
            raise EmptyData("there are no order lines to split")
        cut = self.times.max() - np.timedelta64(int(days * 86_400), "s")
        later = self.times > cut
        return self.select(~later), self.select(later)

    def baskets(self, item_ids: ItemIds) -> Baskets:
        """One basket per invoice, oldest first, of its distinct products (first line first).

        Products outside `item_ids` stay in the basket as `UNKNOWN` (-1).
        """
        invoice_of, first_line = _first_of(self.invoices)
        line = np.arange(len(self))
        pair = invoice_of.astype(np.int64) * (len(self) + 1) + _first_of(self.products)[0]
        pair_of, pair_first = _first_of(pair)
        values = np.bincount(pair_of, weights=self.quantities * self.prices).astype(np.float64)
        basket = invoice_of[pair_first]
        invoice_time = self.times[first_line].astype(np.int64)
        order = np.lexsort((line[pair_first], first_line[basket], invoice_time[basket]))
        lengths = np.bincount(basket, minlength=len(first_line))
        by_time = np.lexsort((first_line, invoice_time))
        items = item_ids.index(self.products[pair_first[order]])
        return Baskets(Sessions.from_lengths(items, lengths[by_time]), values[order])


def _first_of(keys: npt.NDArray[np.generic]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """The group (n,) of every key, groups numbered by first appearance, and the first
    position (n_groups,) of each group."""
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.intp)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inverse.ravel()], np.sort(first)


@dataclass(frozen=True)
class Baskets:
    """Baskets as sessions of distinct item indices, and the value (quantity x unit price)
    of every basket item: `values` (n_basket_items,) aligned with `items.items`."""

    items: Sessions
    values: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.items)


def catalogue(lines: OrderLines) -> tuple[ItemIds, Sessions]:
    """The products of `lines` as a catalogue, and their baskets as sessions of indices."""
    if len(lines) == 0:
        raise EmptyData("there are no order lines to learn from")
    item_ids = ItemIds(np.unique(lines.products))
    return item_ids, lines.baskets(item_ids).items
