"""The tax on an invoice: the contract's rate on the net total, or reverse charge.

Reverse charge: when the buyer gives a tax id and a country other than the seller's (both
countries known), the invoice charges no tax and says "Reverse charge": the buyer accounts
for it (for services between businesses in the EU, VAT Directive 2006/112/EC art. 196).
Otherwise the contract's `tax_rate_percent` applies, rounded half-up to the minor unit once,
on the whole net total. Decided when the invoice is issued, from the parties it names, and
stored with it: a later change of rule or details never alters an issued invoice.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

from billing.currency import MONEY_PRECISION, round_half_up
from billing.parties import Party

REVERSE_CHARGE_NOTE = (
    "Reverse charge: no tax is charged on this invoice; the buyer accounts for the tax (VAT)."
)


@dataclass(frozen=True)
class Tax:
    """`rate_percent` as charged (0 under reverse charge) and `amount` in major units."""

    rate_percent: Decimal
    amount: Decimal
    reverse_charge: bool = False

    def negated(self) -> Tax:
        return Tax(self.rate_percent, -self.amount, self.reverse_charge)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rate_percent": str(self.rate_percent),
            "amount": str(self.amount),
            "reverse_charge": self.reverse_charge,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tax:
        return cls(Decimal(data["rate_percent"]), Decimal(data["amount"]), data["reverse_charge"])


def is_reverse_charge(seller: Party, buyer: Party) -> bool:
    return bool(
        buyer.tax_id
        and buyer.country is not None
        and seller.country is not None
        and buyer.country != seller.country
    )


def tax_of(
    net_total: Decimal, currency: str, rate_percent: Decimal, seller: Party, buyer: Party
) -> Tax:
    if is_reverse_charge(seller, buyer):
        return Tax(Decimal(0), round_half_up(Decimal(0), currency), reverse_charge=True)
    with localcontext(prec=MONEY_PRECISION):
        amount = round_half_up(net_total * rate_percent / 100, currency)
    return Tax(rate_percent, amount)
