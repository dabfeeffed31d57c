"""A catalogue row: its fields, their validation, and the product it becomes.

Rows come from every upload format as mappings of field names to JSON values (CSV gives
strings); each is validated on its own into an `Upsert`, a `Delete` or a `Rejection`
naming the first field at fault and why. A missing field, null and "" all mean absent,
so that CSV's empty cells and JSON's nulls agree. Fields not listed here are ignored.
`variants` lists the ids of a product's variants (SKUs, variant ids), which orders may
name instead of the product's id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from widget.catalog.prices import InvalidPrice, parse_price

MAX_ID_LENGTH = 128
# The one field under which the per-product figures count every id the catalogue does not
# list (`widget.placements`): never a product's or a variant's id, so none is mixed in it.
UNLISTED_PRODUCT = "(unlisted)"
MAX_TITLE_LENGTH = 1000
MAX_URL_LENGTH = 2048
MAX_BRAND_LENGTH = 200
MAX_CATEGORY_LENGTH = 500
MAX_CATEGORY_DEPTH = 10
MAX_VARIANTS = 2048
CATEGORY_SEPARATOR = " > "
# Prices and margins: at most 12 digits before the point and 6 after, so that a price
# sent as a JSON number (parsed as a float) still has the exact digits the shop wrote.
_MAX_INTEGER_DIGITS = 12
_MAX_DECIMALS = 6
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Scheme, optional user, a host (a name or a bracketed IPv6 address), optional port, rest.
_URL = re.compile(
    r"https?://(?:[^\s/?#@]*@)?(?:\[[0-9a-f:.]+\]|[^\s/?#@:\[\]]+)(?::\d{1,5})?(?:[/?#]\S*)?",
    re.IGNORECASE,
)
_CURRENCY = re.compile(r"[A-Za-z]{3}")
# A price with a decimal comma, grouping, a currency sign or code: read by `prices`.
_LOCALE_PRICE = re.compile(r".*[,€£$'\s].*|[A-Za-z]{3}\s*\d.*|.*\d\s*[A-Za-z]{3}", re.DOTALL)
_OPTIONAL = ("image_url", "brand", "margin")
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


@dataclass(frozen=True)
class Product:
    """A product as stored; `price` and `margin` are decimal strings, never floats."""

    product_id: str
    title: str
    url: str
    price: str
    currency: str
    category: str = ""
    in_stock: bool = True
    image_url: str | None = None
    brand: str | None = None
    margin: str | None = None
    variants: tuple[str, ...] = ()

    def stored(self) -> bytes:
        """Compact JSON of every field but the id (the hash field), absent ones left out."""
        fields: dict[str, Any] = {
            "title": self.title,
            "url": self.url,
            "price": self.price,
            "currency": self.currency,
            "category": self.category,
            "in_stock": self.in_stock,
        }
        for name in _OPTIONAL:
            value = getattr(self, name)
            if value is not None:
                fields[name] = value
        if self.variants:
            fields["variants"] = self.variants
        return orjson.dumps(fields)

    @classmethod
    def from_stored(cls, product_id: str, value: str | bytes) -> Product:
        fields = orjson.loads(value)
        fields["variants"] = tuple(fields.get("variants", ()))
        return cls(product_id=product_id, **fields)

    def as_dict(self) -> dict[str, Any]:
        return {
            "product_id": self.product_id,
            "title": self.title,
            "url": self.url,
            "image_url": self.image_url,
            "price": self.price,
            "currency": self.currency,
            "category": self.category,
            "in_stock": self.in_stock,
            "brand": self.brand,
            "margin": self.margin,
            "variants": list(self.variants),
        }


@dataclass(frozen=True)
class Unreadable:
    """A row the parser could not read, and why: `field` names the source's column at
    fault when known, `product_id` the product the row was about (kept by `replace`)."""

    reason: str
    field: str | None = None
    product_id: str | None = None


@dataclass(frozen=True)
class Upsert:
    product: Product


@dataclass(frozen=True)
class Delete:
    product_id: str


@dataclass(frozen=True)
class Rejection:
    """A row refused: its 1-based number among data rows, the field at fault, the reason.

    `product_id` is kept when it was valid, so that a replacing upload keeps the product.
    """

    row: int
    field: str | None
    reason: str
    product_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "reason": self.reason}


Outcome = Upsert | Delete | Rejection


class _Invalid(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def validate(row: int, raw: Mapping[str, Any] | Unreadable) -> Outcome:
    """What data row number `row` asks for, or why it is refused."""
    if isinstance(raw, Unreadable):
        return Rejection(row, raw.field, raw.reason, raw.product_id)
    product_id: str | None = None
    try:
        product_id = _product_id(raw.get("product_id"))
        if _flag(raw, "deleted", default=False):
            return Delete(product_id)
        return Upsert(_product(product_id, raw))
    except _Invalid as invalid:
        return Rejection(row, invalid.field, invalid.reason, product_id)


def _product(product_id: str, raw: Mapping[str, Any]) -> Product:
    return Product(
        product_id=product_id,
        title=_required(raw, "title", MAX_TITLE_LENGTH),
        url=_url(raw, "url", required=True) or "",
        price=_required_decimal(_price_read(raw), "price"),
        currency=_currency(raw),
        image_url=_url(raw, "image_url", required=False),
        category=_category(raw),
        in_stock=_flag(raw, "in_stock", default=True),
        brand=_text(raw, "brand", MAX_BRAND_LENGTH),
        margin=_margin(raw),
        variants=_variants(raw, product_id),
    )


def _product_id(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is None or value == "":
        raise _Invalid("product_id", "is required")
    if not isinstance(value, str):
        raise _Invalid("product_id", "must be a string or an integer")
    if len(value) > MAX_ID_LENGTH:
        raise _Invalid("product_id", f"must have at most {MAX_ID_LENGTH} characters")
    if _CONTROL.search(value) or value != value.strip():
        raise _Invalid("product_id", "must not hold control characters or outer spaces")
    if value == UNLISTED_PRODUCT:
        reason = f"must not be {UNLISTED_PRODUCT!r}, the name of the products not in the catalogue"
        raise _Invalid("product_id", reason)
    return value


def _variants(raw: Mapping[str, Any], product_id: str) -> tuple[str, ...]:
    value = raw.get("variants")
    if value is None or value == "":
        return ()
    if isinstance(value, str):  # CSV: ids separated by "|"
        value = [part.strip() for part in value.split("|") if part.strip()]
    if not isinstance(value, list | tuple):
        raise _Invalid("variants", "must be a list of variant ids")
    if len(value) > MAX_VARIANTS:
        raise _Invalid("variants", f"must list at most {MAX_VARIANTS} ids")
    try:
        ids = [_product_id(variant) for variant in value]
    except _Invalid as invalid:
        raise _Invalid("variants", f"has an id that {invalid.reason}") from None
    return tuple(variant for variant in dict.fromkeys(ids) if variant != product_id)


def _text(raw: Mapping[str, Any], field: str, max_length: int) -> str | None:
    value = raw.get(field)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _Invalid(field, "must be a string")
    value = value.strip()
    if len(value) > max_length:
        raise _Invalid(field, f"must have at most {max_length} characters")
    if _CONTROL.search(value):
        raise _Invalid(field, "must not hold control characters")
    return value or None


def _required(raw: Mapping[str, Any], field: str, max_length: int) -> str:
    value = _text(raw, field, max_length)
    if value is None:
        raise _Invalid(field, "is required")
    return value


def _url(raw: Mapping[str, Any], field: str, required: bool) -> str | None:
    value = _required(raw, field, MAX_URL_LENGTH) if required else _text(raw, field, MAX_URL_LENGTH)
    if value is not None and not _URL.fullmatch(value):
        raise _Invalid(field, "must be an absolute http(s) URL without spaces")
    return value


def _decimal(raw: Mapping[str, Any], field: str) -> Decimal | None:
    value = raw.get(field)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _Invalid(field, "must be a decimal number such as 12.50")
    try:
        # repr gives the shortest text of a float: the digits the JSON held.
        number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise _Invalid(field, "must be a decimal number such as 12.50") from None
    if not number.is_finite():
        raise _Invalid(field, "must be a finite number")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -_MAX_DECIMALS:
        raise _Invalid(field, f"must have at most {_MAX_DECIMALS} digits after the point")
    if number.adjusted() >= _MAX_INTEGER_DIGITS:
        raise _Invalid(field, f"must have at most {_MAX_INTEGER_DIGITS} digits before the point")
    if number < 0:
        raise _Invalid(field, "must not be negative")
    return number.copy_abs()  # no "-0"


def _price_read(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    """The row with a price written the shop's way ("4,95", "1.234,56", "4.95 EUR") as a
    plain decimal (see `prices`); a price naming another currency than the row's is bad."""
    value = raw.get("price")
    if not isinstance(value, str) or not _LOCALE_PRICE.fullmatch(value.strip()):
        return raw
    currency = raw.get("currency") if isinstance(raw.get("currency"), str) else None
    try:
        price = parse_price(value, currency.upper() if currency else None)
    except InvalidPrice as invalid:
        raise _Invalid("price", str(invalid)) from None
    if price.currency and currency and price.currency != currency.upper():
        raise _Invalid("price", f"is in {price.currency}, the row's currency is {currency}")
    return {**raw, "price": format(price.amount, "f")}


def _required_decimal(raw: Mapping[str, Any], field: str) -> str:
    number = _decimal(raw, field)
    if number is None:
        raise _Invalid(field, "is required")
    return format(number, "f")


def _margin(raw: Mapping[str, Any]) -> str | None:
    number = _decimal(raw, "margin")
    if number is None:
        return None
    if number > 1:
        raise _Invalid("margin", "must be between 0 and 1")
    return format(number, "f")


def _currency(raw: Mapping[str, Any]) -> str:
    value = _required(raw, "currency", 3)
    if not _CURRENCY.fullmatch(value):
        raise _Invalid("currency", "must be an ISO 4217 code of 3 letters, such as EUR")
    return value.upper()


def _category(raw: Mapping[str, Any]) -> str:
    value = _text(raw, "category", MAX_CATEGORY_LENGTH)
    if value is None:
        return ""
    levels = [level.strip() for level in value.split(">")]
    if not all(levels):
        raise _Invalid(
            "category", "must be a path like 'Home > Kitchen > Mugs' with no empty level"
        )
    if len(levels) > MAX_CATEGORY_DEPTH:
        raise _Invalid("category", f"must have at most {MAX_CATEGORY_DEPTH} levels")
    return CATEGORY_SEPARATOR.join(levels)


def _flag(raw: Mapping[str, Any], field: str, default: bool) -> bool:
    value = raw.get(field)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int | str):
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise _Invalid(field, "must be true or false (CSV: true/false, 1/0, yes/no)")
