"""Shopify's product CSV export, folded into one product per handle.

Columns as documented in https://help.shopify.com/en/manual/products/import-export/using-csv
(classic names such as `Variant Price`, and the names of the newer export such as
`Price`, read alike). Each row is a variant (or an extra image) of the product named by
`Handle`; the rows of a handle follow each other, the first holding the product's fields.

- The product's id is its handle: the export has no product or variant ids, and the
  handle is what the storefront's URL names (`{store_url}/products/{handle}`).
- Its variants are the `Variant SKU`s: orders may name a SKU instead of the handle.
- Price: the lowest `Variant Price`; in stock when a variant is: its inventory is not
  tracked, its policy is `continue` (sold when out of stock), or its quantity is above 0.
- Category: `Product Category` (Shopify's taxonomy path), else `Type`; brand: `Vendor`.
- A product with `Status` draft or archived, or `Published` FALSE, is deleted.
"""

from __future__ import annotations

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

# Columns of the newer export -> the classic name they stand for.
_ALIASES = {
    "URL handle": "Handle",
    "Description": "Body (HTML)",
    "Product category": "Product Category",
    "Published on online store": "Published",
    "SKU": "Variant SKU",
    "Price": "Variant Price",
    "Inventory tracker": "Variant Inventory Tracker",
    "Inventory quantity": "Variant Inventory Qty",
    "Continue selling when out of stock": "Variant Inventory Policy",
    "Product image URL": "Image Src",
    "Variant image URL": "Variant Image",
}
COLUMNS = {
    "product_id": "Handle",
    "title": "Title",
    "url": "Handle",
    "price": "Variant Price",
    "category": "Product Category",
    "brand": "Vendor",
    "image_url": "Image Src",
    "currency": "Variant Price",
}


def is_header(names: set[str]) -> bool:
    handle = bool(names & {"Handle", "URL handle"})
    return handle and bool(names & {"Variant Price", "Price", "Option1 Name", "Option1 name"})


def read(rows: AsyncIterator[RawRow], options: FeedOptions) -> AsyncIterator[SourceRow]:
    require(options, "Shopify")
    folder = Folder(COLUMNS, consecutive=True)

    def read_row(number: int, raw: dict[str, str]) -> list[SourceRow]:
        row = {_ALIASES.get(name, name): value.strip() for name, value in raw.items()}
        if not row.get("Handle"):
            return [SourceRow(number, Unreadable("is required", "Handle"))]
        return folder.add(_item(number, row, options))

    return fold_table(rows, folder, read_row)


def _item(number: int, row: Mapping[str, str], options: FeedOptions) -> Item:
    handle = row["Handle"]
    item = Item(number, handle, parent=bool(row.get("Title")))
    if item.parent:
        item.fields = {
            "title": row["Title"],
            "url": page_url(options, f"/products/{handle}"),
            "currency": options.currency,
            "category": row.get("Product Category") or row.get("Type"),
            "brand": row.get("Vendor"),
        }
        unpublished = row.get("Published", "").lower() == "false"
        item.deleted = unpublished or row.get("Status", "").lower() in ("draft", "archived")
    item.image_url = https_image(row.get("Image Src"), row.get("Variant Image"))
    if row.get("Variant SKU"):
        item.variants.append(row["Variant SKU"])
    if row.get("Variant Price"):
        try:
            item.price = price_in(row["Variant Price"], "Variant Price", number, options).amount
        except InvalidPrice as invalid:
            item.problem = ("Variant Price", str(invalid))
        item.in_stock = _in_stock(row)
    return item


def _in_stock(row: Mapping[str, str]) -> bool | None:
    if not row.get("Variant Inventory Tracker", "shopify"):
        return True  # not tracked: always sold
    if row.get("Variant Inventory Policy", "").lower() in ("continue", "true"):
        return True
    quantity = row.get("Variant Inventory Qty", "")
    try:
        return int(quantity) > 0
    except ValueError:
        return None
