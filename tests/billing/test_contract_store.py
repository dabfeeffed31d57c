from __future__ import annotations

import asyncio
import datetime
from decimal import Decimal
from typing import Any

import pytest

from billing import Contract, InvalidContract, SampleGates
from billing.contract_store import add_contract, billed_shops, contract_in_force, contract_versions
from billing.errors import ContractVersionConflict, NoContractInForce
from billing.periods import Period
from tests.billing.samples import contract

pytestmark = pytest.mark.anyio
OCTOBER, NOVEMBER = Period(2026, 10), Period(2026, 11)


def test_a_contract_round_trips_through_its_dict() -> None:
    terms = contract(fee_cap=Decimal("500.00"), gates=SampleGates(minimum_visitors_per_arm=5))
    data = terms.as_dict()
    assert (data["revenue_share_percent"], data["effective_from"]) == ("15", "2026-10-01")
    assert Contract.from_dict(data) == terms


def test_an_unknown_field_is_refused() -> None:
    with pytest.raises(InvalidContract, match="colour"):
        Contract.from_dict(contract().as_dict() | {"colour": "red"})


async def test_the_version_in_force_governs_whole_months(store: Any) -> None:
    await add_contract(store, contract())
    await add_contract(store, contract(version=2, effective_from=datetime.date(2026, 10, 15)))
    assert (await contract_in_force(store, "shop-1", OCTOBER)).version == 1
    assert (await contract_in_force(store, "shop-1", NOVEMBER)).version == 2
    with pytest.raises(NoContractInForce):
        await contract_in_force(store, "shop-1", Period(2026, 9))
    assert await billed_shops(store) == ["shop-1"]


async def test_a_new_version_never_alters_an_old_one(store: Any) -> None:
    await add_contract(store, contract())
    with pytest.raises(ContractVersionConflict):
        await add_contract(store, contract(revenue_share_percent=Decimal(50)))
    with pytest.raises(ContractVersionConflict):
        await add_contract(store, contract(version=3))
    assert [c.revenue_share_percent for c in await contract_versions(store, "shop-1")] == [15]


async def test_a_version_cannot_take_effect_before_the_last(store: Any) -> None:
    await add_contract(store, contract())
    with pytest.raises(ContractVersionConflict):
        await add_contract(store, contract(version=2, effective_from=datetime.date(2026, 9, 1)))


async def test_racing_writers_of_one_version_store_one(store: Any) -> None:
    shares = [Decimal(share) for share in range(1, 11)]
    results = await asyncio.gather(
        *(add_contract(store, contract(revenue_share_percent=s)) for s in shares),
        return_exceptions=True,
    )
    assert sum(result is None for result in results) == 1
    assert len(await contract_versions(store, "shop-1")) == 1
