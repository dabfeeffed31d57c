"""Streaming parsers of Basketlift's own upload formats: a JSON array, NDJSON or CSV.

Each parser reads the body's chunks as they come and yields one raw row at a time (a
dict, or `Unreadable` with the reason), so it holds at most one chunk and one row.
`table` reads any delimited text with a header row (the platforms' CSV and TSV exports
too). A row that cannot be read is the row's problem; the errors of `errors` refuse the
upload as a whole.
"""

from __future__ import annotations

import csv
import re
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

import orjson

from widget.catalog.errors import (
    CatalogUploadError,
    MalformedUpload,
    RowTooLarge,
    UnsupportedFormat,
    UploadTooLarge,
)
from widget.catalog.rows import Unreadable

__all__ = [
    "CatalogUploadError",
    "MalformedUpload",
    "RowTooLarge",
    "UnsupportedFormat",
    "UploadTooLarge",
]

OwnFormat = Literal["json", "ndjson", "csv"]
RawRow = dict[str, Any] | Unreadable

MAX_UPLOAD_BYTES = 1 << 30
MAX_ROW_BYTES = 64 * 1024
BOM = b"\xef\xbb\xbf"


async def limited(chunks: AsyncIterator[bytes], max_bytes: int) -> AsyncIterator[bytes]:
    """The chunks, refused as soon as they pass `max_bytes` in all, or if there are none."""
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            raise UploadTooLarge(f"the body has more than {max_bytes} bytes")
        if chunk:
            yield chunk
    if size == 0:
        raise MalformedUpload("the body is empty")


def parse_rows(
    chunks: AsyncIterator[bytes], fmt: OwnFormat, max_row_bytes: int = MAX_ROW_BYTES
) -> AsyncIterator[RawRow]:
    if fmt == "json":
        return _json_array(chunks, max_row_bytes)
    if fmt == "ndjson":
        return _ndjson(chunks, max_row_bytes)
    return table(chunks, max_row_bytes, header_of=_own_header)


def _too_large(row: int, max_row_bytes: int) -> RowTooLarge:
    return RowTooLarge(f"row {row} has more than {max_row_bytes} bytes")


def _json_row(text: bytes) -> RawRow:
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        return Unreadable(f"not valid JSON: {error}")
    return value if isinstance(value, dict) else Unreadable("must be a JSON object")


async def _lines(chunks: AsyncIterator[bytes], max_row_bytes: int) -> AsyncIterator[bytes]:
    """The body's lines (without the newline); a line over `max_row_bytes` is refused."""
    pending = b""
    count = 0
    async for chunk in chunks:
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        for line in lines:
            count += 1
            yield line
        if len(pending) > max_row_bytes:
            raise RowTooLarge(f"a line after line {count} has more than {max_row_bytes} bytes")
    if pending:
        yield pending


async def _ndjson(chunks: AsyncIterator[bytes], max_row_bytes: int) -> AsyncIterator[RawRow]:
    row = 0
    async for line in _lines(chunks, max_row_bytes):
        if line.strip():
            row += 1
            if len(line) > max_row_bytes:
                raise _too_large(row, max_row_bytes)
            yield _json_row(line)


async def _records(chunks: AsyncIterator[bytes], max_row_bytes: int) -> AsyncIterator[bytes]:
    """CSV records: lines joined while a quoted field is open (an odd count of quotes)."""
    pending = b""
    async for chunk in chunks:
        buffer = pending + chunk
        start = position = quotes = 0
        while (newline := buffer.find(b"\n", position)) != -1:
            quotes += buffer.count(b'"', position, newline)
            position = newline + 1
            if quotes % 2 == 0:
                yield buffer[start:newline]
                start, quotes = position, 0
        pending = buffer[start:]
        if len(pending) > max_row_bytes:
            raise RowTooLarge(f"a CSV record has more than {max_row_bytes} bytes")
    if pending:
        yield pending


def _fields(record: bytes, delimiter: str) -> list[str] | Unreadable:
    try:
        return next(csv.reader([record.decode()], delimiter=delimiter), [])
    except UnicodeDecodeError:
        return Unreadable("not valid UTF-8")
    except csv.Error as error:
        return Unreadable(f"not valid CSV: {error}")


async def table(
    chunks: AsyncIterator[bytes],
    max_row_bytes: int = MAX_ROW_BYTES,
    delimiter: str = ",",
    header_of: Callable[[list[str]], list[str]] | None = None,
) -> AsyncIterator[RawRow]:
    """Rows of delimited text with a header row, as dicts of column name -> text.

    `header_of` checks and names the columns (default: as written, without outer spaces).
    """
    header: list[str] | None = None
    row = 0
    async for record in _records(chunks, max_row_bytes):
        if header is None:
            record = record.removeprefix(BOM)
        if not record.strip():
            continue
        fields = _fields(record.rstrip(b"\r"), delimiter)
        if header is None:
            if isinstance(fields, Unreadable):
                raise MalformedUpload(f"the header row is {fields.reason}")
            header = (header_of or _named_header)(fields)
            continue
        row += 1
        if len(record) > max_row_bytes:
            raise _too_large(row, max_row_bytes)
        if isinstance(fields, Unreadable):
            yield fields
        elif len(fields) != len(header):
            yield Unreadable(f"has {len(fields)} fields; the header has {len(header)}")
        else:
            yield dict(zip(header, fields, strict=True))
    if header is None:
        raise MalformedUpload("the body has no header row")


def _named_header(fields: list[str]) -> list[str]:
    names = [name.strip() for name in fields]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise MalformedUpload(f"the header repeats {', '.join(duplicated)}", duplicated[0])
    return names


def _own_header(fields: list[str]) -> list[str]:
    names = _named_header([name.lower() for name in fields])
    if "product_id" not in names:
        raise MalformedUpload("the CSV header has no product_id column", "product_id")
    return names


async def _json_array(chunks: AsyncIterator[bytes], max_row_bytes: int) -> AsyncIterator[RawRow]:
    splitter = _ArraySplitter()
    row = 0
    async for chunk in chunks:
        elements, malformed = splitter.feed(chunk)
        for element in elements:
            row += 1
            if len(element) > max_row_bytes:
                raise _too_large(row, max_row_bytes)
            yield _json_row(element)
        if malformed is not None:
            raise malformed
        if splitter.pending > max_row_bytes:
            raise _too_large(row + 1, max_row_bytes)
    splitter.close()


_SPACE = b" \t\r\n"
_NON_SPACE = re.compile(rb"[^ \t\r\n]")
_IN_STRING = re.compile(rb'["\\]')
_NESTED = re.compile(rb'["{}\[\]]')
_TOP = re.compile(rb'["{}\[\],]')
# A whole object without nesting, strings and their escapes included, in one C call:
# the common row. Possessive quantifiers: a failed match gives up without backtracking.
_FLAT_OBJECT = re.compile(rb'\{(?:[^{}\[\]"]++|"(?:[^"\\]++|\\.)*+")*+\}', re.DOTALL)
_QUOTE, _BACKSLASH, _COMMA, _CLOSE_ARRAY = b'"'[0], b"\\"[0], b","[0], b"]"[0]
_OPEN = frozenset(b"{[")
_OPEN_OBJECT = b"{"[0]


class _ArraySplitter:
    """Splits a JSON array's text into the texts of its elements, chunk by chunk.

    It tracks only strings (with their escapes) and nesting depth, jumping between the
    bytes that matter with regular expressions; each element is then parsed by orjson,
    so a broken element is that row's problem and the rest of the array still counts.
    """

    def __init__(self) -> None:
        self._stage: Literal["before", "inside", "after"] = "before"
        self._depth = 0
        self._in_string = False
        self._escaped = False  # a backslash ended the previous chunk
        self._after_comma = False
        self._element = bytearray()

    @property
    def pending(self) -> int:
        return len(self._element)

    def feed(self, chunk: bytes) -> tuple[list[bytes], MalformedUpload | None]:
        """The elements the chunk completes, and what is wrong after them if anything."""
        elements: list[bytes] = []
        try:
            self._feed(chunk, elements)
        except MalformedUpload as malformed:
            return elements, malformed
        return elements, None

    def _feed(self, chunk: bytes, elements: list[bytes]) -> None:
        position = 0
        if self._stage == "before":
            found = _NON_SPACE.search(chunk)
            if found is None:
                return
            if chunk[found.start()] != b"["[0]:
                raise MalformedUpload("the body must be a JSON array of products")
            self._stage, position = "inside", found.end()
        mark = position  # chunk[mark:position] still belongs to the current element
        while self._stage == "inside" and position < len(chunk):
            if self._escaped:
                self._escaped, position = False, position + 1
            elif self._in_string:
                found = _IN_STRING.search(chunk, position)
                if found is None:
                    position = len(chunk)
                elif chunk[found.start()] == _BACKSLASH:
                    position = found.start() + 2
                    self._escaped = position > len(chunk)
                    position = min(position, len(chunk))
                else:
                    self._in_string, position = False, found.end()
            else:
                found = (_NESTED if self._depth else _TOP).search(chunk, position)
                if found is None:
                    position = len(chunk)
                    continue
                byte, position = chunk[found.start()], found.end()
                if byte == _QUOTE:
                    self._in_string = True
                elif byte == _OPEN_OBJECT and not self._depth:
                    flat = _FLAT_OBJECT.match(chunk, found.start())
                    if flat is None:
                        self._depth = 1
                    else:
                        position = flat.end()
                elif byte in _OPEN:
                    self._depth += 1
                elif self._depth:
                    self._depth -= 1
                elif byte in (_COMMA, _CLOSE_ARRAY):
                    self._element += chunk[mark : found.start()]
                    mark = position
                    self._end_element(byte == _COMMA, elements)
        if self._stage == "inside":
            self._element += chunk[mark:position]
        elif chunk[position:].strip(_SPACE):
            raise MalformedUpload("the body goes on after the array's closing ]")

    def _end_element(self, comma: bool, elements: list[bytes]) -> None:
        element = bytes(self._element).strip(_SPACE)
        self._element.clear()
        if element:
            elements.append(element)
        elif comma or self._after_comma:
            raise MalformedUpload(
                "the array has an empty element (two commas, or a comma before ])"
            )
        self._after_comma = comma
        if not comma:
            self._stage = "after"

    def close(self) -> None:
        if self._stage == "before":
            raise MalformedUpload("the body must be a JSON array of products")
        if self._stage == "inside":
            raise MalformedUpload("the body ended inside the array: it has no closing ]")
