from __future__ import annotations

from decimal import Decimal

import pytest

from billing import UnsupportedCurrency
from billing.currency import format_money, from_minor_units, minor_unit_exponent, round_half_up


@pytest.mark.parametrize(("currency", "exponent"), [("EUR", 2), ("JPY", 0), ("KWD", 3)])
def test_iso_4217_exponents(currency: str, exponent: int) -> None:
    assert minor_unit_exponent(currency) == exponent


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(UnsupportedCurrency):
        minor_unit_exponent("XYZ")


@pytest.mark.parametrize(
    ("amount", "currency", "rounded"),
    [("0.125", "EUR", "0.13"), ("0.124999", "EUR", "0.12"), ("2.5", "JPY", "3"),
     ("1.0005", "BHD", "1.001")],
)  # fmt: skip
def test_rounding_is_half_up_to_the_minor_unit(amount: str, currency: str, rounded: str) -> None:
    assert str(round_half_up(Decimal(amount), currency)) == rounded


def test_minor_units_convert_exactly() -> None:
    assert from_minor_units(10**30 + 7, "EUR") == Decimal("10000000000000000000000000000.07")


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [("1234.56", "GBP", "£1,234.56"), ("-86842.8388860151418", "GBP", "-£86,842.84"),
     ("1234567.5", "EUR", "€1,234,567.50"), ("1234.5", "JPY", "¥1,235"),
     ("12", "CHF", "CHF 12.00"), ("1.0005", "KWD", "KWD 1.001"), ("-0.001", "EUR", "€0.00"),
     ("0", "USD", "$0.00")],
)  # fmt: skip
def test_money_is_shown_with_its_symbol_separators_and_minor_unit(
    amount: str, currency: str, shown: str
) -> None:
    assert format_money(Decimal(amount), currency) == shown


def test_signed_money_says_its_sign() -> None:
    assert format_money(Decimal("0.75"), "EUR", signed=True) == "+€0.75"
    assert format_money(Decimal("-0.75"), "EUR", signed=True) == "-€0.75"
