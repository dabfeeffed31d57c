"""Prices as shops write them: "4,95", "1.234,56", "1,234.56", "4.95 EUR", "€ 4,95".

The rule, for text without a `decimal_separator` saying which mark is the decimal one:
- with both "." and ",", the last of them is the decimal separator ("1.234,56", "1,234.56");
- a mark used twice or more groups thousands ("1.234.567");
- a lone mark before exactly three digits, after one to three digits that are not a lone
  0, groups thousands ("1,234" and "1.234" are 1234), unless the currency has three
  decimals (BHD, KWD, ...), where it is the decimal separator; any other lone mark is
  the decimal separator ("4,95", "0.125", "1234.567").
Spaces (also non-breaking and narrow ones) and apostrophes group thousands ("1 234,56",
"1'234.56"). A code of three letters before or after the number, or the sign € or £,
gives the currency; "$" is dropped without naming one (dollars are of many countries).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from billing.currency import minor_unit_exponent
from billing.errors import UnsupportedCurrency

DecimalSeparator = Literal[".", ","]
_GROUPING = str.maketrans("", "", " \u00a0\u202f'\u2019")
_SIGNS = {"€": "EUR", "£": "GBP", "$": None}
_CODE_FIRST = re.compile(r"([A-Za-z]{3})\s*(.+)")
_CODE_LAST = re.compile(r"(.+?)\s*([A-Za-z]{3})")
_NUMBER = re.compile(r"\d[\d.,]*")
_GROUPED = re.compile(r"[1-9]\d{0,2}(?:[.,]\d{3})+")


class InvalidPrice(ValueError):
    """Text that is not a price; the message says why."""


@dataclass(frozen=True)
class Price:
    amount: Decimal
    currency: str | None


def parse_price(
    text: str, currency: str | None = None, decimal_separator: DecimalSeparator | None = None
) -> Price:
    """The amount and currency of `text`; `currency` is the one assumed when it names none."""
    rest = text.strip()
    named: str | None = None
    for sign, code in _SIGNS.items():
        if sign in rest:
            rest, named = rest.replace(sign, "").strip(), code
    for pattern, code_group in ((_CODE_FIRST, 1), (_CODE_LAST, 2)):
        found = pattern.fullmatch(rest)
        if found and found[code_group].isalpha():
            named = found[code_group].upper()
            rest = found[3 - code_group]
            break
    number = rest.translate(_GROUPING)
    if number.startswith("-"):
        raise InvalidPrice("must not be negative")
    if not _NUMBER.fullmatch(number):
        raise InvalidPrice(f"{text!r} is not a price such as 4.95, 4,95 or 4.95 EUR")
    amount = _amount(number, decimal_separator, named or currency)
    return Price(amount, named)


def _amount(number: str, separator: DecimalSeparator | None, currency: str | None) -> Decimal:
    marks = [mark for mark in number if mark in ".,"]
    if not marks:
        return Decimal(number)
    decimal_mark: str | None
    if separator is not None:
        decimal_mark = separator if separator in marks else None
    elif len(set(marks)) == 2:
        decimal_mark = marks[-1]
    elif len(marks) > 1:
        decimal_mark = None
    else:
        decimal_mark = None if _groups_thousands(number, currency) else marks[0]
    if decimal_mark is not None and marks.count(decimal_mark) > 1:
        raise InvalidPrice(f"{number!r} has more than one decimal separator {decimal_mark!r}")
    whole, _, fraction = number.partition(decimal_mark) if decimal_mark else (number, "", "")
    if ("," in whole or "." in whole) and not _GROUPED.fullmatch(whole):
        raise InvalidPrice(f"{number!r} groups its digits other than by thousands")
    try:
        return Decimal(re.sub(r"[.,]", "", whole) + ("." + fraction if fraction else ""))
    except InvalidOperation:
        raise InvalidPrice(f"{number!r} is not a number") from None


def _groups_thousands(number: str, currency: str | None) -> bool:
    """Whether the lone mark of `number` groups thousands (see the module's rule)."""
    if not _GROUPED.fullmatch(number):
        return False
    try:
        return currency is None or minor_unit_exponent(currency) != 3
    except UnsupportedCurrency:
        return True
