from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from billing import Contract, InvalidContract, SampleGates, UnsupportedCurrency
from tests.billing.samples import contract


def test_defaults_bill_a_share_of_the_lower_bound() -> None:
    terms = contract()
    assert (terms.basis, terms.confidence_level) == ("lower_bound", 0.95)
    assert terms.minimum_fee == Decimal(0)


def test_revenue_cap_is_counted_in_minor_units() -> None:
    assert contract(revenue_per_visitor_cap=Decimal("250.00")).revenue_cap_minor == 25000
    assert (
        contract(currency="JPY", revenue_per_visitor_cap=Decimal("30000")).revenue_cap_minor
        == 30000
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("shop", ""),
        ("version", 0),
        ("basis", "median"),
        ("revenue_share_percent", Decimal("120")),
        ("revenue_share_percent", Decimal("NaN")),
        ("confidence_level", 1.0),
        ("holdout_share", 0.0),
        ("minimum_fee", Decimal("10.005")),
        ("monthly_licence_fee", Decimal("-1")),
        ("revenue_per_visitor_cap", Decimal("0")),
        ("billing_time_zone", "Mars/Olympus"),
        ("payment_terms_days", -1),
        ("payment_terms_days", 366),
        ("payment_terms_days", 30.5),
        ("tax_rate_percent", Decimal("100")),
        ("tax_rate_percent", Decimal("-1")),
        ("tax_rate_percent", Decimal("Infinity")),
    ],
)
def test_out_of_range_terms_name_their_field(field: str, value: Any) -> None:
    with pytest.raises(InvalidContract) as raised:
        contract(**{field: value})
    assert raised.value.field == field


def test_cap_below_minimum_is_refused() -> None:
    with pytest.raises(InvalidContract, match="fee_cap"):
        contract(minimum_fee=Decimal("100"), fee_cap=Decimal("50"))


def test_gates_need_two_visitors_per_arm() -> None:
    with pytest.raises(InvalidContract, match="minimum_visitors_per_arm"):
        contract(gates=SampleGates(minimum_visitors_per_arm=1))


def test_currency_without_minor_unit_is_refused() -> None:
    with pytest.raises(UnsupportedCurrency):
        contract(currency="XYZ")


def test_payment_terms_and_tax_default_for_contracts_stored_before_them() -> None:
    stored = contract().as_dict()
    del stored["payment_terms_days"], stored["tax_rate_percent"]
    terms = Contract.from_dict(stored)
    assert (terms.payment_terms_days, terms.tax_rate_percent) == (30, Decimal(0))


def test_payment_terms_and_tax_round_trip_through_json() -> None:
    terms = contract(payment_terms_days=14, tax_rate_percent=Decimal("20"))
    assert terms.as_dict()["tax_rate_percent"] == "20"
    assert Contract.from_dict(terms.as_dict()) == terms
