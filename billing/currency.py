"""Currencies' minor units (ISO 4217) and the one rounding of money."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

from billing.errors import UnsupportedCurrency

# Digits after the decimal point; ISO 4217 exponents of the currencies shops commonly use.
_MINOR_UNIT_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(("CLP", "ISK", "JPY", "KRW", "PYG", "UGX", "VND", "XAF", "XOF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(
        (
            "AED", "AUD", "BGN", "BRL", "CAD", "CHF", "CNY", "CZK", "DKK", "EUR", "GBP",
            "HKD", "HUF", "IDR", "ILS", "INR", "MXN", "MYR", "NOK", "NZD", "PHP", "PLN",
            "RON", "SAR", "SEK", "SGD", "THB", "TRY", "TWD", "USD", "ZAR",
        ),
        2,
    ),
}  # fmt: skip

# Fees are computed at this precision whatever the caller's decimal context holds.
MONEY_PRECISION = 60


def minor_unit_exponent(currency: str) -> int:
    try:
        return _MINOR_UNIT_EXPONENTS[currency]
    except KeyError:
        raise UnsupportedCurrency(currency) from None


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of the currency: Decimal('0.01') for EUR, Decimal('1') for JPY."""
    return Decimal(1).scaleb(-minor_unit_exponent(currency))


def from_minor_units(amount_minor: int, currency: str) -> Decimal:
    """An exact Decimal amount from integer minor units."""
    with localcontext(prec=MONEY_PRECISION):
        return Decimal(amount_minor).scaleb(-minor_unit_exponent(currency))


def is_whole_minor_units(amount: Decimal, currency: str) -> bool:
    return amount.is_finite() and amount == round_half_up(amount, currency)


def round_half_up(amount: Decimal, currency: str) -> Decimal:
    with localcontext(prec=MONEY_PRECISION):
        return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def decimal_as_string(value: object) -> str:
    """orjson's `default` for money: Decimals as strings, so no amount passes through a float."""
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


# Where a symbol names one currency unambiguously to an invoice's reader; others show the code.
_SYMBOLS = {"EUR": "€", "GBP": "£", "JPY": "¥", "USD": "$"}


def format_money(amount: Decimal, currency: str, *, signed: bool = False) -> str:
    """An amount as people read it, rounded to the minor unit: '£1,234.56', '-£86,842.84',
    '¥1,235', 'CHF 12.00'; `signed` puts '+' before a positive amount. The one formatter of
    money for invoices, their PDF and the dashboard."""
    rounded = round_half_up(amount, currency)
    sign = "-" if rounded < 0 else "+" if signed else ""
    digits = f"{rounded.copy_abs():,.{minor_unit_exponent(currency)}f}"
    symbol = _SYMBOLS.get(currency)
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{currency} {digits}"
