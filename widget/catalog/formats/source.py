"""What every format reader gives the store, and the folding of variants into products.

A reader yields `SourceRow`s: Basketlift's row fields (see `rows`), numbered by the data
row they came from, with `columns` naming the source's column of each field so that a
rejection names what the shop can find in its own file. The platforms' readers first
read each data row into an `Item`; a `Folder` merges the items of one product (a Shopify
handle, a WooCommerce parent, a Merchant Center item group) into one row:

- the fields (title, url, category, brand) are the product row's, or the first item's
  when the file has none;
- the price is the lowest of the variants' ("from 4.95"), in stock when any variant is,
  the image the product's, else the first variant's;
- `variants` lists every variant's ids (ids and SKUs), so that orders may name them;
- a problem in any of its rows rejects the product, naming that row and column.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from widget.catalog.errors import InvalidFeedOption, UploadTooLarge
from widget.catalog.prices import DecimalSeparator, InvalidPrice, Price, parse_price
from widget.catalog.rows import Unreadable

# Products held open until the end of a file whose variants may come anywhere in it.
MAX_OPEN_PRODUCTS = 200_000

RawRow = dict[str, Any] | Unreadable


@dataclass(frozen=True)
class FeedOptions:
    """What a platform's export leaves out, given by the shop (or its contract).

    `currency`: the shop's currency; prices must be in it, and it is assumed where the
    file names none (Shopify, WooCommerce). `store_url`: the storefront's address, for
    the exports that name no product page (Shopify, WooCommerce). `decimal_separator`:
    "," or "." when prices are written with one (see `prices`).
    """

    currency: str | None = None
    store_url: str | None = None
    decimal_separator: DecimalSeparator | None = None


@dataclass(frozen=True)
class SourceRow:
    row: int
    raw: RawRow
    columns: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Item:
    """One data row of a platform's file, read: the product it belongs to and what it adds.

    `parent`: the row holds the product's own fields (a Shopify handle's first row, a
    WooCommerce parent, any Merchant Center item). `problem`: (column, reason).
    """

    row: int
    product_id: str
    fields: dict[str, Any] = field(default_factory=dict)
    variants: list[str] = field(default_factory=list)
    price: Decimal | None = None
    in_stock: bool | None = None
    image_url: str | None = None
    parent: bool = False
    deleted: bool = False
    problem: tuple[str, str] | None = None


@dataclass
class _Product:
    first: Item
    fields: dict[str, Any] | None = None
    variants: dict[str, None] = field(default_factory=dict)
    price: Decimal | None = None
    in_stock: bool | None = None
    image_url: str | None = None
    deleted: bool = False
    problem: tuple[int, str, str] | None = None

    def add(self, item: Item) -> None:
        if item.parent and self.fields is None:
            self.fields = item.fields
            self.deleted = item.deleted
            self.image_url = item.image_url or self.image_url
        problem = None if item.problem is None else (item.row, *item.problem)
        self._merge(item.variants, item.price, item.in_stock, item.image_url, problem)

    def absorb(self, other: _Product) -> None:
        if self.fields is None and other.fields is not None:
            self.fields, self.deleted = other.fields, other.deleted
        self._merge(other.variants, other.price, other.in_stock, other.image_url, other.problem)

    def _merge(
        self,
        variants: Iterable[str],
        price: Decimal | None,
        in_stock: bool | None,
        image_url: str | None,
        problem: tuple[int, str, str] | None,
    ) -> None:
        self.variants.update(dict.fromkeys(variants))
        if price is not None and (self.price is None or price < self.price):
            self.price = price
        if in_stock is not None:
            self.in_stock = bool(self.in_stock) or in_stock
        self.image_url = self.image_url or image_url
        self.problem = self.problem or problem

    def row(self, columns: Mapping[str, str]) -> SourceRow:
        product_id = self.first.product_id
        if self.deleted:
            return SourceRow(self.first.row, {"product_id": product_id, "deleted": True})
        if self.problem is not None:
            row, column, reason = self.problem
            return SourceRow(row, Unreadable(reason, column, product_id))
        raw = dict(self.fields if self.fields is not None else self.first.fields)
        raw |= {
            "product_id": product_id,
            "price": None if self.price is None else format(self.price, "f"),
            "in_stock": True if self.in_stock is None else self.in_stock,
            "image_url": self.image_url,
            "variants": list(self.variants),
        }
        return SourceRow(self.first.row, raw, columns)


class Folder:
    """Merges items into products: `consecutive` when a product's rows follow each other
    (Shopify), else every product with variants is held until `close` (at most
    MAX_OPEN_PRODUCTS). `alias` makes another id (a parent's SKU) name a product."""

    def __init__(self, columns: Mapping[str, str], consecutive: bool) -> None:
        self._columns = columns
        self._consecutive = consecutive
        self._open: dict[str, _Product] = {}
        self._aliases: dict[str, str] = {}

    def add(self, item: Item, grouped: bool = True) -> list[SourceRow]:
        """The rows this item completes: itself when not `grouped`, else the product
        before it in `consecutive` mode."""
        done: list[SourceRow] = []
        if not grouped:
            alone = _Product(item)
            alone.add(item)
            return [alone.row(self._columns)]
        if self._consecutive and item.product_id not in self._open:
            done = self.close()
        product = self._open.get(item.product_id)
        if product is None:
            if len(self._open) >= MAX_OPEN_PRODUCTS:
                raise UploadTooLarge(
                    f"the file has more than {MAX_OPEN_PRODUCTS} products with variants"
                )
            product = self._open[item.product_id] = _Product(item)
        product.add(item)
        return done

    def alias(self, other_id: str, product_id: str) -> None:
        if other_id and other_id != product_id:
            self._aliases[other_id] = product_id

    def close(self) -> list[SourceRow]:
        """Every open product, its aliases' items folded into it, in order of first row."""
        merged: dict[str, _Product] = {}
        for key, product in self._open.items():
            target = self._aliases.get(key, key)
            if target != key and target in self._open:
                merged.setdefault(target, self._open[target]).absorb(product)
            else:
                merged.setdefault(key, product)
        self._open.clear()
        rows = [product.row(self._columns) for product in merged.values()]
        return sorted(rows, key=lambda row: row.row)


async def fold_table(
    rows: AsyncIterator[RawRow],
    folder: Folder,
    read: Callable[[int, dict[str, str]], list[SourceRow]],
) -> AsyncIterator[SourceRow]:
    """Each readable data row through `read` (which gives the rows it completes), an
    unreadable one as its rejection, then what `folder` still holds."""
    number = 0
    async for raw in rows:
        number += 1
        found = [SourceRow(number, raw)] if isinstance(raw, Unreadable) else read(number, raw)
        for done in found:
            yield done
    for done in folder.close():
        yield done


def https_image(*candidates: str | None) -> str | None:
    """The first of the URLs that is https (a shop's https page cannot show http images)."""
    for candidate in candidates:
        for url in (candidate or "").split(","):
            url = url.strip()
            if urlsplit(url).scheme == "https":
                return url
    return None


def page_url(options: FeedOptions, path: str) -> str | None:
    return None if options.store_url is None else options.store_url.rstrip("/") + path


def price_in(text: str, column: str, row: int, options: FeedOptions) -> Price:
    """The price of `text`, in the shop's currency; a price in another one refuses the file.

    Raises `InvalidPrice` (the row's problem) or `InvalidFeedOption` (the whole file's).
    """
    price = parse_price(text, options.currency, options.decimal_separator)
    currency = price.currency or options.currency
    if currency is None:
        raise InvalidPrice(f"{text!r} names no currency: write it as 4.95 EUR")
    if options.currency is not None and currency != options.currency:
        raise InvalidFeedOption(
            f"row {row}: {column} {text!r} is in {currency}, not in the shop's currency "
            f"{options.currency}",
            column,
        )
    return Price(price.amount, currency)


def require(options: FeedOptions, platform: str) -> None:
    """Refuse an export that names neither currency nor product pages without the options."""
    if options.currency is None:
        raise InvalidFeedOption(
            f"a {platform} export names no currency: give the currency of its prices "
            "(currency=EUR), or add the shop's contract",
            "currency",
        )
    if options.store_url is None:
        raise InvalidFeedOption(
            f"a {platform} export names no product pages: give the storefront's address "
            "(store_url=https://shop.example), or give the shop a single origin",
            "store_url",
        )
