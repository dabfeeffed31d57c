"""Google Merchant Center product feeds: RSS 2.0 XML with the `g:` namespace, or TSV.

Attributes as documented in the product data specification,
https://support.google.com/merchants/answer/7052112, and its RSS 2.0 feed format,
https://support.google.com/merchants/answer/14987622 (each `<item>` holds `g:id`,
`g:title`, `g:link`, `g:image_link`, `g:price` "4.95 EUR", `g:availability`...). A TSV
feed has the same attribute names as its header row.

- An item with `item_group_id` is a variant: the items of a group fold into one product
  whose id is the group id; their `id`s become its variants, which orders may name.
- Price: `sale_price` when set, else `price`, in the currency it names, which must be
  the shop's. `availability`: in_stock, backorder and preorder are orderable (in stock
  for the recommendations), out_of_stock is not.
- Category: `product_type` ("Home > Kitchen"), else `google_product_category` when it
  is a path rather than a number; image: the first https one of `image_link` and
  `additional_image_link`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import AsyncIterator, Mapping

from widget.catalog.errors import MalformedUpload, RowTooLarge
from widget.catalog.formats.source import (
    FeedOptions,
    Folder,
    Item,
    RawRow,
    SourceRow,
    fold_table,
    https_image,
    price_in,
)
from widget.catalog.parsers import MAX_ROW_BYTES
from widget.catalog.prices import InvalidPrice
from widget.catalog.rows import Unreadable

NAMESPACE = "http://base.google.com/ns/1.0"
_G = "{" + NAMESPACE + "}"
_AVAILABLE = {
    "in_stock": True,
    "in stock": True,
    "backorder": True,
    "preorder": True,
    "available for order": True,
    "out_of_stock": False,
    "out of stock": False,
}
_FIELDS = ("product_id", "title", "url", "price", "category", "brand", "image_url", "currency")
_ATTRIBUTES = ("id", "title", "link", "price", "product_type", "brand", "image_link", "price")
_REQUIRED_COLUMNS = {"id", "title", "link", "price"}


def columns(prefix: str) -> dict[str, str]:
    """Basketlift's field -> the feed's attribute (`g:price` in XML, `price` in TSV)."""
    return {f: prefix + a for f, a in zip(_FIELDS, _ATTRIBUTES, strict=True)}


def tsv_name(name: str) -> str:
    return name.strip().lower().removeprefix("g:")


def is_tsv_header(names: set[str]) -> bool:
    return _REQUIRED_COLUMNS <= {tsv_name(name) for name in names}


def read_tsv(rows: AsyncIterator[RawRow], options: FeedOptions) -> AsyncIterator[SourceRow]:
    folder = Folder(columns(""), consecutive=False)

    def read_row(number: int, raw: dict[str, str]) -> list[SourceRow]:
        item = {tsv_name(name): value.strip() for name, value in raw.items()}
        return _fold(folder, number, item, "", options)

    return fold_table(rows, folder, read_row)


async def read_xml(
    chunks: AsyncIterator[bytes], options: FeedOptions, max_item_bytes: int = MAX_ROW_BYTES
) -> AsyncIterator[SourceRow]:
    """Items of an RSS 2.0 feed, parsed as the chunks come; each item is cleared once read.

    expat expands no external entities and caps internal expansion (billion laughs).
    """
    folder = Folder(columns("g:"), consecutive=False)
    parser: ElementTree.XMLPullParser[ElementTree.Element] = ElementTree.XMLPullParser(
        events=("start", "end")
    )
    number = depth = 0
    channel: ElementTree.Element | None = None
    since_item = 0
    async for chunk in chunks:
        since_item += len(chunk)
        try:
            parser.feed(chunk)
            events = list(parser.read_events())
        except ElementTree.ParseError as error:
            raise MalformedUpload(f"the XML is not well-formed: {error}") from None
        for event, element in events:  # type: ignore[misc]  # typeshed: a 1-tuple
            if not isinstance(element, ElementTree.Element):
                continue  # only start and end events, which carry elements, are asked for
            depth += 1 if event == "start" else -1
            if event == "start" and depth == 1 and element.tag != "rss":
                raise MalformedUpload("a Merchant Center XML feed is an <rss> document")
            if event == "start" and depth == 2:
                channel = element
            if event != "end" or element.tag != "item" or depth != 2:
                continue
            number += 1
            since_item = 0
            item = _attributes(element)
            if channel is not None:
                channel.remove(element)
            for done in _fold(folder, number, item, "g:", options):
                yield done
        if since_item > max_item_bytes:
            raise RowTooLarge(f"item {number + 1} has more than {max_item_bytes} bytes")
    try:
        parser.close()
    except ElementTree.ParseError as error:
        raise MalformedUpload(f"the XML ends early: {error}") from None
    for done in folder.close():
        yield done


def _attributes(element: ElementTree.Element) -> dict[str, str]:
    """An item's attributes by name (`g:price` and a plain `<title>` alike), first kept."""
    found: dict[str, str] = {}
    for child in element:
        name = child.tag.removeprefix(_G) if isinstance(child.tag, str) else ""
        if name and "}" not in name:
            found.setdefault(name, (child.text or "").strip())
    return found


def _fold(
    folder: Folder, number: int, item: Mapping[str, str], prefix: str, options: FeedOptions
) -> list[SourceRow]:
    if not item.get("id"):
        return [SourceRow(number, Unreadable("is required", prefix + "id"))]
    group = item.get("item_group_id", "")
    read = Item(number, group or item["id"], parent=True)
    read.variants = [item["id"]] if group else []
    column = prefix + ("sale_price" if item.get("sale_price") else "price")
    currency = options.currency
    if text := item.get("sale_price") or item.get("price"):
        try:
            price = price_in(text, column, number, options)
            read.price, currency = price.amount, price.currency
        except InvalidPrice as invalid:
            read.problem = (column, str(invalid))
    availability = item.get("availability", "in_stock").lower()
    read.in_stock = _AVAILABLE.get(availability)
    if read.in_stock is None:
        read.problem = read.problem or (
            prefix + "availability",
            f"{availability!r} is not one of in_stock, out_of_stock, preorder, backorder",
        )
    category = item.get("google_product_category", "")
    read.fields = {
        "title": item.get("title"),
        "url": item.get("link"),
        "currency": currency,
        "category": item.get("product_type") or (None if category.isdigit() else category),
        "brand": item.get("brand"),
    }
    read.image_url = https_image(item.get("image_link"), item.get("additional_image_link"))
    return folder.add(read, grouped=bool(group))
