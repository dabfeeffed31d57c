from __future__ import annotations

import asyncio
import datetime
from decimal import Decimal
from typing import Any

import pytest

from billing import Contract, InvalidContract, RetroactiveContract, SampleGates
from billing.contract_store import add_contract, billed_shops, contract_in_force, contract_versions
from billing.errors import ContractVersionConflict, NoContractInForce
from billing.periods import Period
from tests.billing.samples import SIGNED, contract

pytestmark = pytest.mark.anyio
OCTOBER, NOVEMBER = Period(2026, 10), Period(2026, 11)
MID_OCTOBER = datetime.datetime(2026, 10, 15, 12, tzinfo=datetime.UTC)


def test_a_contract_round_trips_through_its_dict() -> None:
    terms = contract(
        fee_cap=Decimal("500.00"), gates=SampleGates(minimum_visitors_per_arm=5), created_at=SIGNED
    )
    data = terms.as_dict()
    assert (data["revenue_share_percent"], data["effective_from"]) == ("15", "2026-10-01")
    assert data["created_at"] == "2026-09-15T12:00:00+00:00"
    assert Contract.from_dict(data) == terms


def test_an_unknown_field_is_refused() -> None:
    with pytest.raises(InvalidContract, match="colour"):
        Contract.from_dict(contract().as_dict() | {"colour": "red"})


def test_a_version_starts_on_the_first_day_of_a_month() -> None:
    with pytest.raises(InvalidContract, match="effective_from: must be the first day"):
        contract(effective_from=datetime.date(2026, 10, 15))


def test_the_cumulative_basis_needs_its_terms_fixed_in_advance() -> None:
    with pytest.raises(InvalidContract, match="revenue_per_visitor_cap"):
        contract(basis="cumulative", monthly_visitors=20_000)
    with pytest.raises(InvalidContract, match="monthly_visitors"):
        contract(basis="cumulative", revenue_per_visitor_cap=Decimal("400.00"))
    terms = contract(
        basis="cumulative", monthly_visitors=30_000, revenue_per_visitor_cap=Decimal("400.00")
    )
    assert terms.design.reference_visitors == pytest.approx(12 * 30_000)


async def test_the_version_in_force_governs_whole_months(store: Any) -> None:
    stored = await add_contract(store, contract(), SIGNED)
    assert stored.created_at == SIGNED
    second = contract(version=2, effective_from=datetime.date(2026, 11, 1))
    await add_contract(store, second, MID_OCTOBER)
    assert (await contract_in_force(store, "shop-1", OCTOBER)).version == 1
    assert (await contract_in_force(store, "shop-1", NOVEMBER)).version == 2
    with pytest.raises(NoContractInForce):
        await contract_in_force(store, "shop-1", Period(2026, 9))
    assert await billed_shops(store) == ["shop-1"]


async def test_terms_cannot_be_chosen_for_a_period_already_begun(store: Any) -> None:
    await add_contract(store, contract(), SIGNED)
    repriced = contract(version=2, basis="point", effective_from=datetime.date(2026, 10, 1))
    with pytest.raises(RetroactiveContract, match="the earliest is 2026-11-01"):
        await add_contract(store, repriced, MID_OCTOBER)
    assert [c.basis for c in await contract_versions(store, "shop-1")] == ["lower_bound"]


async def test_the_next_period_is_counted_in_the_contracts_zone(store: Any) -> None:
    # 23:30 UTC on 31 October is already 1 November in Berlin: November has begun there.
    late_october = datetime.datetime(2026, 10, 31, 23, 30, tzinfo=datetime.UTC)
    november = contract(
        effective_from=datetime.date(2026, 11, 1), billing_time_zone="Europe/Berlin"
    )
    with pytest.raises(RetroactiveContract, match="2026-12-01"):
        await add_contract(store, november, late_october)
    await add_contract(store, contract(effective_from=datetime.date(2026, 11, 1)), late_october)


async def test_a_currency_change_waits_for_a_period_boundary(store: Any) -> None:
    await add_contract(store, contract(), SIGNED)
    with pytest.raises(InvalidContract, match="first day of a month"):
        contract(version=2, currency="JPY", effective_from=datetime.date(2026, 10, 20))
    yen = contract(version=2, currency="JPY", effective_from=datetime.date(2026, 11, 1))
    await add_contract(store, yen, MID_OCTOBER)
    assert (await contract_in_force(store, "shop-1", OCTOBER)).currency == "EUR"
    assert (await contract_in_force(store, "shop-1", NOVEMBER)).currency == "JPY"


async def test_the_billing_zone_never_changes(store: Any) -> None:
    await add_contract(store, contract(), SIGNED)
    moved = contract(
        version=2, effective_from=datetime.date(2026, 11, 1), billing_time_zone="Asia/Tokyo"
    )
    with pytest.raises(ContractVersionConflict, match="cannot change"):
        await add_contract(store, moved, MID_OCTOBER)


async def test_a_new_version_never_alters_an_old_one(store: Any) -> None:
    await add_contract(store, contract(), SIGNED)
    with pytest.raises(ContractVersionConflict):
        await add_contract(store, contract(revenue_share_percent=Decimal(50)), SIGNED)
    with pytest.raises(ContractVersionConflict):
        await add_contract(store, contract(version=3), SIGNED)
    assert [c.revenue_share_percent for c in await contract_versions(store, "shop-1")] == [15]


async def test_a_version_cannot_take_effect_before_the_last(store: Any) -> None:
    await add_contract(store, contract(effective_from=datetime.date(2026, 11, 1)), SIGNED)
    with pytest.raises(ContractVersionConflict):
        await add_contract(store, contract(version=2), SIGNED)


async def test_racing_writers_of_one_version_store_one(store: Any) -> None:
    shares = [Decimal(share) for share in range(1, 11)]
    results = await asyncio.gather(
        *(add_contract(store, contract(revenue_share_percent=s), SIGNED) for s in shares),
        return_exceptions=True,
    )
    assert sum(isinstance(result, Contract) for result in results) == 1
    assert len(await contract_versions(store, "shop-1")) == 1
