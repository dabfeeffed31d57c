from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from tests.widget.catalog.samples import as_csv, as_json, as_ndjson, online_retail
from widget.catalog.errors import UnsupportedFormat
from widget.catalog.formats import format_of
from widget.catalog.parsers import (
    MalformedUpload,
    OwnFormat,
    RawRow,
    RowTooLarge,
    UploadTooLarge,
    limited,
    parse_rows,
)
from widget.catalog.rows import Unreadable

pytestmark = pytest.mark.anyio
PRODUCTS = online_retail()[:40]


async def chunked(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def rows(data: bytes, fmt: OwnFormat, size: int = 7, max_row: int = 1024) -> list[RawRow]:
    return [row async for row in parse_rows(limited(chunked(data, size), 1_000_000), fmt, max_row)]


@pytest.mark.parametrize("size", [1, 2, 3, 64, 100_000])
async def test_a_json_array_splits_into_its_objects_at_any_chunk_boundary(size: int) -> None:
    tricky = {"product_id": 'a"]}\\', "title": "{[,", "tags": [{"x": [1, {}]}], "n": None}
    data = b" \n[ " + as_json([*PRODUCTS[:3], tricky])[1:] + b" \n"
    assert await rows(data, "json", size) == [*PRODUCTS[:3], tricky]


async def test_a_broken_element_is_that_rows_problem() -> None:
    found = await rows(b'[{"product_id": 1}, {"product_id": }, 7, {"a": 1]]', "json")
    assert found[0] == {"product_id": 1}
    assert isinstance(found[1], Unreadable) and found[1].reason.startswith("not valid JSON")
    assert found[2] == Unreadable("must be a JSON object")
    assert isinstance(found[3], Unreadable) and "line 1 column 8" in found[3].reason


@pytest.mark.parametrize(
    "data, reason",
    [
        (b'{"product_id": 1}', "must be a JSON array"),
        (b"   ", "must be a JSON array"),
        (b'[{"product_id": 1}', "no closing ]"),
        (b'[{"product_id": 1}] x', "goes on after"),
        (b'[{"a": 1},,{"a": 2}]', "empty element"),
        (b'[{"a": 1},]', "empty element"),
        (b"", "the body is empty"),
    ],
)
async def test_a_body_that_is_not_an_array_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(MalformedUpload, match=reason):
        await rows(data, "json")


async def test_an_empty_array_has_no_rows() -> None:
    assert await rows(b"[ ]", "json") == []


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv"])
async def test_a_row_over_the_limit_refuses_the_upload(fmt: OwnFormat) -> None:
    data = {"json": as_json, "ndjson": as_ndjson, "csv": as_csv}[fmt](
        [PRODUCTS[0], {**PRODUCTS[1], "title": "x" * 2000}]
    )
    for size in (7, 10_000):
        with pytest.raises(RowTooLarge):
            await rows(data, fmt, size)


async def test_the_body_is_refused_past_its_limit() -> None:
    with pytest.raises(UploadTooLarge):
        [chunk async for chunk in limited(chunked(b"x" * 101, 10), 100)]


async def test_ndjson_skips_blank_lines_and_reads_each_line_alone() -> None:
    data = b"\n" + as_ndjson(PRODUCTS[:2]) + b"  \nnot json\n[1]\n" + as_ndjson(PRODUCTS[2:3])
    found = await rows(data.replace(b"\n", b"\r\n", 1), "ndjson")
    assert found[:2] == list(PRODUCTS[:2]) and found[4] == PRODUCTS[2]
    assert isinstance(found[2], Unreadable) and found[3] == Unreadable("must be a JSON object")


@pytest.mark.parametrize("size", [1, 5, 100_000])
async def test_csv_records_may_hold_quotes_commas_and_newlines(size: int) -> None:
    products = [
        *online_retail(),
        {**PRODUCTS[0], "product_id": "q", "title": 'say "hi",\nthen\r\ngo'},
    ]
    data = b"\xef\xbb\xbf" + as_csv(products).replace(b"\r\n", b"\n", 3)
    found = await rows(data, "csv", size)
    expected = [{k: str(v) for k, v in p.items()} for p in products]
    assert found == expected
    assert any("AIRLINE LOUNGE,METAL SIGN" == row["title"] for row in found)  # type: ignore[index]


async def test_a_bad_csv_row_is_that_rows_problem() -> None:
    data = b"product_id,title\n1,a\n2,b,c\n\n3\n4,\xff\n5,e\n"
    found = await rows(data, "csv")
    assert found[0] == {"product_id": "1", "title": "a"}
    assert found[1] == Unreadable("has 3 fields; the header has 2")
    assert found[2] == Unreadable("has 1 fields; the header has 2")
    assert found[3] == Unreadable("not valid UTF-8")
    assert found[4] == {"product_id": "5", "title": "e"}


@pytest.mark.parametrize(
    "data, reason, field",
    [
        (b"id,title\n1,a\n", "no product_id column", "product_id"),
        (b"product_id,Title,title\n1,a,b\n", "repeats title", "title"),
        (b"\n\n", "no header row", None),
    ],
)
async def test_a_bad_csv_header_refuses_the_upload(
    data: bytes, reason: str, field: str | None
) -> None:
    with pytest.raises(MalformedUpload, match=reason) as refused:
        await rows(data, "csv")
    assert refused.value.field == field


async def test_json_numbers_and_nesting_survive(anyio_backend: Any) -> None:
    data = orjson.dumps([{"product_id": 1, "price": 2.55, "x": {"y": ["]", "}"]}}])
    assert await rows(data, "json", 1) == [{"product_id": 1, "price": 2.55, "x": {"y": ["]", "}"]}}]


def test_the_content_type_names_json_or_leaves_the_format_to_the_content() -> None:
    assert format_of("Application/X-NDJSON") == "ndjson"
    assert format_of("text/csv; charset=utf-8") is None
    assert format_of("application/xml") is None
    for wrong in ("", "text/plain"):
        with pytest.raises(UnsupportedFormat, match="send the catalogue as"):
            format_of(wrong)
