"""The seller and the buyers named on invoices, kept in the store.

The seller is one for the whole deployment (the operator: `basketlift invoice seller`), with
the payment details its invoices ask to be paid to; a shop's buyer details default to its id.
An issued invoice copies both, so a later change never alters it. Raises `InvalidParty`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

from billing import keys
from billing.errors import InvalidParty, MissingSeller

_COUNTRY = re.compile(r"[A-Z]{2}")
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_BIC = re.compile(r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")


@dataclass(frozen=True)
class Party:
    """`country` is ISO 3166-1 alpha-2 (it decides reverse charge, `billing.tax`); `iban`,
    `bic` and `payment_note` (bank text where there is no IBAN) are the seller's payment
    details. An IBAN is kept without spaces, checked by its ISO 13616 check digits."""

    name: str
    address: tuple[str, ...] = ()
    tax_id: str | None = None
    country: str | None = None
    iban: str | None = None
    bic: str | None = None
    payment_note: str | None = None

    def __post_init__(self) -> None:
        if self.country is not None and not _COUNTRY.fullmatch(self.country):
            raise InvalidParty(
                "country", f"must be two capital letters (ISO 3166-1), got {self.country!r}"
            )
        if self.iban is not None and not _valid_iban(self.iban):
            raise InvalidParty(
                "iban", f"is not a valid IBAN (format or check digits): {self.iban!r}"
            )
        if self.bic is not None and not _BIC.fullmatch(self.bic):
            raise InvalidParty(
                "bic", f"must be 8 or 11 letters and digits (ISO 9362), got {self.bic!r}"
            )

    @classmethod
    def of(cls, name: str, address: tuple[str, ...] = (), **details: str | None) -> Party:
        """From what a person typed: IBAN spaces dropped, country and codes upper-cased, empty
        details left out."""
        given = {key: value.strip() for key, value in details.items() if value and value.strip()}
        for key in ("country", "iban", "bic"):
            if key in given:
                given[key] = given[key].replace(" ", "").upper()
        return cls(name.strip(), tuple(line for line in address if line.strip()), **given)

    @property
    def iban_grouped(self) -> str | None:
        """The IBAN as printed on paper, in groups of four."""
        if self.iban is None:
            return None
        return " ".join(self.iban[i : i + 4] for i in range(0, len(self.iban), 4))

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "address": list(self.address),
            "tax_id": self.tax_id,
            "country": self.country,
            "iban": self.iban,
            "bic": self.bic,
            "payment_note": self.payment_note,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Party:
        """Also details stored before country and payment details existed."""
        return cls(
            data["name"],
            tuple(data.get("address", ())),
            data.get("tax_id"),
            data.get("country"),
            data.get("iban"),
            data.get("bic"),
            data.get("payment_note"),
        )


def _valid_iban(iban: str) -> bool:
    if not _IBAN.fullmatch(iban):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(character, 36)) for character in rearranged)) % 97 == 1


async def set_seller(redis: Any, seller: Party) -> None:
    await redis.set(keys.SELLER, orjson.dumps(seller.as_dict()))


async def get_seller(redis: Any) -> Party:
    stored = await redis.get(keys.SELLER)
    if stored is None:
        raise MissingSeller()
    return Party.from_dict(orjson.loads(stored))


async def set_buyer(redis: Any, shop: str, buyer: Party) -> None:
    await redis.set(keys.buyer(shop), orjson.dumps(buyer.as_dict()))


async def get_buyer(redis: Any, shop: str) -> Party:
    stored = await redis.get(keys.buyer(shop))
    return Party(shop) if stored is None else Party.from_dict(orjson.loads(stored))
