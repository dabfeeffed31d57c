"""The formats a catalogue comes in, told apart by their content, and their readers.

Basketlift's own JSON, NDJSON and CSV (`parsers`), and the platforms' exports, one module
each: `shopify`, `woocommerce`, `merchant_center` (XML and TSV). Every reader yields
`source.SourceRow`s for the store. Import direction: prices, rows, parsers -> source ->
the platform modules -> this package.
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from typing import Literal

from widget.catalog.errors import MalformedUpload, UnsupportedFormat
from widget.catalog.formats import merchant_center, shopify, woocommerce
from widget.catalog.formats.source import FeedOptions, RawRow, SourceRow
from widget.catalog.parsers import BOM, MAX_ROW_BYTES, parse_rows, table

Format = Literal[
    "json", "ndjson", "csv", "shopify", "woocommerce", "merchant_center_xml", "merchant_center_tsv"
]
FORMATS: dict[Format, str] = {
    "json": "Basketlift's JSON array of products",
    "ndjson": "Basketlift's NDJSON, one product a line",
    "csv": "Basketlift's CSV with a product_id column",
    "shopify": "Shopify's product CSV export (Handle, Title, Variant Price...)",
    "woocommerce": "WooCommerce's product CSV export (ID, Type, SKU, Name, Regular price...)",
    "merchant_center_xml": "a Google Merchant Center RSS 2.0 feed (xmlns:g)",
    "merchant_center_tsv": "a Google Merchant Center TSV feed (id, title, link, price...)",
}
# Media types accepted, and the format each names; None: told by the content.
MEDIA_TYPES: dict[str, Format | None] = {
    "application/json": "json",
    "application/x-ndjson": "ndjson",
    "text/csv": None,
    "text/tab-separated-values": None,
    "application/xml": None,
    "text/xml": None,
    "application/rss+xml": None,
    "application/octet-stream": None,
}
# Enough of a file's start to hold a header row or an XML feed's <rss> tag.
HEAD_BYTES = 64 * 1024


def supported() -> str:
    return "; ".join(f"{name}: {description}" for name, description in FORMATS.items())


def format_of(content_type: str) -> Format | None:
    """The format a Content-Type names (None: detect it), or 415 for any other type."""
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type not in MEDIA_TYPES:
        raise UnsupportedFormat(
            f"send the catalogue as {', '.join(MEDIA_TYPES)}, not {content_type!r}; "
            f"the formats known are {supported()}"
        )
    return MEDIA_TYPES[media_type]


async def detect(chunks: AsyncIterator[bytes]) -> tuple[Format, AsyncIterator[bytes]]:
    """The format of the body's content, and the body's chunks from its start again."""
    head = b""
    async for chunk in chunks:
        head += chunk
        if len(head) >= HEAD_BYTES:
            break
    return format_of_content(head), _again(head, chunks)


async def _again(head: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    if head:
        yield head
    async for chunk in rest:
        yield chunk


def format_of_content(head: bytes) -> Format:
    """The format of a file that starts with `head` (see `FORMATS`), or 415 saying why not."""
    text = head.removeprefix(BOM).lstrip()
    if not text:
        raise MalformedUpload("the body is empty")
    first = text[:1]
    if first == b"[":
        return "json"
    if first == b"{":
        return "ndjson"
    if first == b"<":
        if b"<rss" in text and merchant_center.NAMESPACE.encode() in text:
            return "merchant_center_xml"
        raise UnsupportedFormat(
            "the XML is not a Merchant Center RSS 2.0 feed (an <rss> with "
            f'xmlns:g="{merchant_center.NAMESPACE}"); the formats known are {supported()}'
        )
    line = text.partition(b"\n")[0].rstrip(b"\r").decode(errors="replace")
    delimiter = "\t" if "\t" in line else ","
    names = {name.strip() for name in next(csv.reader([line], delimiter=delimiter), [])}
    found = _format_of_header(names, delimiter)
    if found is None:
        shown = ", ".join(sorted(names)[:12])
        raise UnsupportedFormat(
            f"no known format has the header columns {shown}; the formats known are {supported()}"
        )
    return found


def _format_of_header(names: set[str], delimiter: str) -> Format | None:
    if delimiter == "\t":
        return "merchant_center_tsv" if merchant_center.is_tsv_header(names) else None
    if "product_id" in {name.lower() for name in names}:
        return "csv"
    if shopify.is_header(names):
        return "shopify"
    if woocommerce.is_header(names):
        return "woocommerce"
    return None


def read_source(
    chunks: AsyncIterator[bytes], fmt: Format, options: FeedOptions
) -> AsyncIterator[SourceRow]:
    """The rows of a body in `fmt`, as the store takes them."""
    if fmt in ("json", "ndjson", "csv"):
        return _numbered(parse_rows(chunks, fmt))
    if fmt == "merchant_center_xml":
        return merchant_center.read_xml(chunks, options)
    rows = table(chunks, MAX_ROW_BYTES, "\t" if fmt == "merchant_center_tsv" else ",")
    if fmt == "shopify":
        return shopify.read(rows, options)
    if fmt == "woocommerce":
        return woocommerce.read(rows, options)
    return merchant_center.read_tsv(rows, options)


async def _numbered(rows: AsyncIterator[RawRow]) -> AsyncIterator[SourceRow]:
    number = 0
    async for raw in rows:
        number += 1
        yield SourceRow(number, raw)


__all__ = ["FORMATS", "FeedOptions", "Format", "SourceRow", "detect", "format_of", "read_source"]
