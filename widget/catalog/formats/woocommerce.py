"""WooCommerce's product CSV export, variations folded into their parent.

Columns as documented in https://woocommerce.com/document/product-csv-importer-exporter/
and its schema, https://github.com/woocommerce/woocommerce/wiki/Product-CSV-Import-Schema
(`ID`, `Type`, `SKU`, `Name`, `Published`, `In stock?`, `Stock`, `Backorders allowed?`,
`Sale price`, `Regular price`, `Categories`, `Images`, `Parent`...).

- A product's id is its `ID` (its `SKU` when the row has no ID); its page is
  `{store_url}/?p={ID}`, which WordPress redirects to the product's permalink.
- A `variation` row belongs to its `Parent` (`id:123`, or the parent's SKU): its `ID` and
  `SKU` become the product's variants, which orders may name.
- Price: `Sale price` when set, else `Regular price` (the lowest of the variations' for
  a variable product). In stock: `In stock?` 1 or `backorder`, or backorders allowed.
- Category: the first path of `Categories` ("Clothing > Hoodies, Music"); image: the
  first https URL of `Images`; brand: `Brands` when the shop exports it.
- A product `Published` -1 (draft) or 0 (private), or hidden from the catalogue, is
  deleted; `grouped` products (a set of other products, with no price) are left out.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping

from widget.catalog.formats.source import (
    FeedOptions,
    Folder,
    Item,
    RawRow,
    SourceRow,
    fold_table,
    https_image,
    page_url,
    price_in,
    require,
)
from widget.catalog.prices import InvalidPrice
from widget.catalog.rows import Unreadable

COLUMNS = {
    "product_id": "ID",
    "title": "Name",
    "url": "ID",
    "price": "Regular price",
    "category": "Categories",
    "brand": "Brands",
    "image_url": "Images",
    "currency": "Regular price",
}
_UNESCAPED_COMMA = re.compile(r"(?<!\\),")


def is_header(names: set[str]) -> bool:
    return {"ID", "Type", "SKU", "Name", "Regular price"} <= names


def read(rows: AsyncIterator[RawRow], options: FeedOptions) -> AsyncIterator[SourceRow]:
    require(options, "WooCommerce")
    folder = Folder(COLUMNS, consecutive=False)

    def read_row(number: int, raw: dict[str, str]) -> list[SourceRow]:
        row = {name: value.strip() for name, value in raw.items()}
        types = {kind.strip().lower() for kind in row.get("Type", "").split(",")}
        if "grouped" in types:
            return []
        item = _item(number, row, "variation" in types, options)
        if item is None:
            return [SourceRow(number, Unreadable("is required (or SKU)", "ID"))]
        if "variable" in types:
            folder.alias(row.get("SKU", ""), item.product_id)
        return folder.add(item, grouped=bool(types & {"variable", "variation"}))

    return fold_table(rows, folder, read_row)


def _item(
    number: int, row: Mapping[str, str], variation: bool, options: FeedOptions
) -> Item | None:
    own_id = row.get("ID") or row.get("SKU")
    if not own_id:
        return None
    if variation:
        parent = row.get("Parent", "")
        if not parent:
            return Item(number, own_id, problem=("Parent", "is required for a variation"))
        item = Item(number, parent.removeprefix("id:"))
        item.variants = [variant for variant in (row.get("ID"), row.get("SKU")) if variant]
    else:
        item = Item(number, own_id, parent=True)
        item.deleted = row.get("Published") in ("0", "-1") or (
            row.get("Visibility in catalog", "").lower() == "hidden"
        )
    page = row.get("ID") if not variation else item.product_id
    item.fields = {
        "title": row.get("Name"),
        "url": page_url(options, f"/?p={page}") if page and page.isdigit() else None,
        "currency": options.currency,
        "category": _first_category(row.get("Categories", "")),
        "brand": row.get("Brands"),
    }
    item.image_url = https_image(row.get("Images"))
    price = row.get("Sale price") or row.get("Regular price")
    if price:
        column = "Sale price" if row.get("Sale price") else "Regular price"
        try:
            item.price = price_in(price, column, number, options).amount
        except InvalidPrice as invalid:
            item.problem = (column, str(invalid))
    item.in_stock = _in_stock(row)
    return item


def _first_category(categories: str) -> str | None:
    first = _UNESCAPED_COMMA.split(categories)[0].replace("\\,", ",").strip()
    return first or None


def _in_stock(row: Mapping[str, str]) -> bool | None:
    flag = row.get("In stock?", "").lower()
    if flag in ("1", "backorder") or row.get("Backorders allowed?", "") in ("1", "notify"):
        return True
    return False if flag == "0" else None
