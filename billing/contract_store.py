"""Versioned contracts per shop in the store: a version is written once, never altered.

The version in force for a period is the latest one effective on or before the period's
first day, so one version governs a whole month. Terms are fixed before the period they
price: a version takes effect no earlier than the first period that starts after the store
accepts it, so neither side can choose terms once some of the traffic they price is seen.
Every change (currency, holdout share) therefore falls on a period boundary, and the billing
time zone, which draws those boundaries, never changes.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

import orjson

from billing import keys
from billing.contracts import Contract
from billing.errors import ContractVersionConflict, NoContractInForce, RetroactiveContract
from billing.periods import Period, billing_day

# Writes version N only while exactly N - 1 versions exist: two racing writers of the
# same version cannot both succeed, and no version is ever overwritten.
_ADD_SCRIPT = """
if redis.call('HLEN', KEYS[1]) ~= tonumber(ARGV[1]) - 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
"""


async def add_contract(redis: Any, contract: Contract, now: datetime.datetime) -> Contract:
    """Store the next version of the shop's contract, accepted at `now`; returns it stamped."""
    earliest = first_period_after(now, contract.billing_time_zone)
    if contract.effective_from < earliest.first_day:
        raise RetroactiveContract(contract.version, contract.effective_from, earliest.first_day)
    versions = await contract_versions(redis, contract.shop)
    if versions and contract.effective_from < versions[-1].effective_from:
        raise ContractVersionConflict(
            f"version {contract.version} takes effect before version {versions[-1].version}"
        )
    if versions and contract.billing_time_zone != versions[-1].billing_time_zone:
        raise ContractVersionConflict(
            f"version {contract.version} bills in {contract.billing_time_zone}, version "
            f"{versions[-1].version} in {versions[-1].billing_time_zone}: the zone draws the "
            "periods' boundaries, so it cannot change"
        )
    contract = dataclasses.replace(contract, created_at=now)
    body = orjson.dumps(contract.as_dict())
    added = await redis.eval(_ADD_SCRIPT, 1, keys.contracts(contract.shop), contract.version, body)
    # the index is another slot in a Cluster, so it cannot join the script; adding is idempotent
    await redis.sadd(keys.BILLING_SHOPS, contract.shop)
    if not added:
        raise ContractVersionConflict(
            f"shop {contract.shop!r} is not at version {contract.version - 1}"
        )
    return contract


def first_period_after(now: datetime.datetime, time_zone: str) -> Period:
    """The first period that starts after `now` in `time_zone`: the earliest a new version
    can price."""
    return Period.of(billing_day(now, time_zone)).next()


async def contract_versions(redis: Any, shop: str) -> list[Contract]:
    """Every version of the shop's contract, oldest first."""
    stored = await redis.hgetall(keys.contracts(shop))
    found = [Contract.from_dict(orjson.loads(body)) for body in stored.values()]
    return sorted(found, key=lambda contract: contract.version)


async def contract_in_force(redis: Any, shop: str, period: Period) -> Contract:
    effective = [
        contract
        for contract in await contract_versions(redis, shop)
        if contract.effective_from <= period.first_day
    ]
    if not effective:
        raise NoContractInForce(shop, str(period))
    return effective[-1]


async def billed_shops(redis: Any) -> list[str]:
    """Shops that have a contract, sorted."""
    return sorted(await redis.smembers(keys.BILLING_SHOPS))
