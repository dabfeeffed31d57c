from __future__ import annotations

from typing import Any

import pytest

from tests.widget.catalog.samples import online_retail
from widget.catalog.rows import Delete, Product, Rejection, Unreadable, Upsert, validate


def row(**changes: Any) -> dict[str, Any]:
    return {**online_retail()[0], **changes}


def product(**changes: Any) -> Product:
    outcome = validate(1, row(**changes))
    assert isinstance(outcome, Upsert), outcome
    return outcome.product


def test_a_real_row_becomes_a_product() -> None:
    assert product() == Product(
        product_id="85123A",
        title="WHITE HANGING HEART T-LIGHT HOLDER",
        url="https://shop.example/p/85123A",
        price="2.55",
        currency="GBP",
        category="Gifts > Holder",
    )


def test_values_are_normalised_but_money_keeps_its_digits() -> None:
    found = product(product_id=85123, price=2.50, currency="gbp", category=" Home>Kitchen ")
    assert (found.product_id, found.price, found.currency) == ("85123", "2.5", "GBP")
    assert found.category == "Home > Kitchen"
    assert product(price="2.50").price == "2.50"
    assert product(price=0.1).price == "0.1"
    assert product(price="1E+3", margin="0.25").price == "1000"


@pytest.mark.parametrize(
    "url", ["http://shop.example:8080/p?id=1#top", "HTTPS://[::1]:443/p", "https://bücher.example"]
)
def test_urls_of_any_http_shape_are_kept(url: str) -> None:
    assert product(url=url, image_url=url).image_url == url


@pytest.mark.parametrize("text, expected", [("yes", True), ("0", False), ("FALSE", False)])
def test_csv_flags(text: str, expected: bool) -> None:
    assert product(in_stock=text).in_stock is expected


def test_optional_fields_may_be_null_or_empty() -> None:
    found = product(image_url="", brand=None, margin="", category="", in_stock="")
    assert (found.image_url, found.brand, found.margin, found.category) == (None, None, None, "")
    assert found.in_stock is True


def test_a_deleted_row_needs_only_the_id() -> None:
    assert validate(3, {"product_id": "x", "deleted": True}) == Delete("x")
    assert validate(3, {"product_id": "x", "deleted": "yes"}) == Delete("x")


@pytest.mark.parametrize(
    "field, value, reason",
    [
        ("product_id", None, "is required"),
        ("product_id", True, "must be a string or an integer"),
        ("product_id", 1.5, "must be a string or an integer"),
        ("product_id", "x" * 129, "at most 128 characters"),
        ("product_id", " 85123A", "outer spaces"),
        ("product_id", "(unlisted)", "must not be '(unlisted)', the name of the products not in"),
        ("variants", ["85123A-RED", "(unlisted)"], "an id that must not be '(unlisted)'"),
        ("title", "", "is required"),
        ("title", 7, "must be a string"),
        ("title", "a\x00b", "control characters"),
        ("url", None, "is required"),
        ("url", "ftp://shop.example/p", "http(s) URL"),
        ("url", "/p/85123A", "http(s) URL"),
        ("url", "http://[::1", "http(s) URL"),
        ("url", "https://shop.example/p 1", "without spaces"),
        ("url", "https:///p", "http(s) URL"),
        ("image_url", "javascript:alert(1)", "http(s) URL"),
        ("price", None, "is required"),
        ("price", "2.55 EUR", "is in EUR, the row's currency is GBP"),
        ("price", "2,5,5", "groups its digits other than by thousands"),
        ("price", "-0.01", "must not be negative"),
        ("price", "NaN", "finite"),
        ("price", True, "decimal number"),
        ("price", "0.0000001", "at most 6 digits after the point"),
        ("price", "1e12", "at most 12 digits before the point"),
        ("currency", None, "is required"),
        ("currency", "GB", "ISO 4217"),
        ("currency", "G1P", "ISO 4217"),
        ("category", "Home >> Mugs", "no empty level"),
        ("category", " > ".join("abcdefghijk"), "at most 10 levels"),
        ("in_stock", "maybe", "must be true or false"),
        ("in_stock", 2, "must be true or false"),
        ("brand", ["Acme"], "must be a string"),
        ("margin", "1.5", "between 0 and 1"),
        ("deleted", "perhaps", "must be true or false"),
    ],
)
def test_each_field_is_checked(field: str, value: Any, reason: str) -> None:
    outcome = validate(7, row(**{field: value}))
    assert isinstance(outcome, Rejection) and (outcome.row, outcome.field) == (7, field)
    assert reason in outcome.reason


def test_a_rejection_keeps_a_valid_id_for_replace() -> None:
    assert validate(2, row(price="x")) == Rejection(
        2, "price", "must be a decimal number such as 12.50", "85123A"
    )
    assert validate(2, Unreadable("not valid JSON")) == Rejection(2, None, "not valid JSON")


def test_the_stored_form_is_compact_and_reads_back() -> None:
    found = product(brand="Acme", margin="0.3")
    assert found.stored().startswith(b'{"title":"WHITE HANGING HEART T-LIGHT HOLDER","url":')
    assert b"image_url" not in found.stored()
    assert Product.from_stored(found.product_id, found.stored()) == found


@pytest.mark.parametrize(
    "written, price",
    [("4,95", "4.95"), ("1.234,56", "1234.56"), ("1,234.56", "1234.56"), ("£4.95", "4.95")],
)
def test_a_price_is_read_as_shops_write_it(written: str, price: str) -> None:
    assert product(price=written).price == price
