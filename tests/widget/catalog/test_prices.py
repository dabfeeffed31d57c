from __future__ import annotations

from decimal import Decimal

import pytest

from widget.catalog.prices import InvalidPrice, Price, parse_price


@pytest.mark.parametrize(
    "text, amount, currency",
    [
        ("4,95", "4.95", None),
        ("1.234,56", "1234.56", None),
        ("1,234.56", "1234.56", None),
        ("4.95 EUR", "4.95", "EUR"),
        ("EUR 4.95", "4.95", "EUR"),
        ("4,95 €", "4.95", "EUR"),
        ("£12", "12", "GBP"),
        ("1 234,56", "1234.56", None),
        ("1\u202f234,56", "1234.56", None),
        ("1'234.56", "1234.56", None),
        ("1.234.567", "1234567", None),
        ("0.125", "0.125", None),
        ("1234.567", "1234.567", None),
    ],
)
def test_prices_as_shops_write_them(text: str, amount: str, currency: str | None) -> None:
    assert parse_price(text) == Price(Decimal(amount), currency)


def test_a_lone_mark_before_three_digits_groups_thousands_unless_told_or_three_decimals() -> None:
    assert parse_price("1,234", "EUR").amount == Decimal("1234")
    assert parse_price("1.234", "EUR").amount == Decimal("1234")
    assert parse_price("1,234", "KWD").amount == Decimal("1.234")  # 3 decimals
    assert parse_price("1,234", "EUR", decimal_separator=",").amount == Decimal("1.234")
    assert parse_price("1,234.5", "EUR", decimal_separator=".").amount == Decimal("1234.5")


@pytest.mark.parametrize(
    "text, reason",
    [
        ("-4.95", "must not be negative"),
        ("about ten", "is not a price"),
        ("12,34,567", "groups its digits other than by thousands"),
        ("1.2.3,4,5", "more than one decimal separator"),
    ],
)
def test_what_is_not_a_price_says_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidPrice, match=reason):
        parse_price(text)
