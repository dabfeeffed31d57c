"""Versioned contracts per shop in the store: a version is written once, never altered.

The version in force for a period is the latest one effective on or before the period's
first day, so one version governs a whole month.
"""

from __future__ import annotations

from typing import Any

import orjson

from billing import keys
from billing.contracts import Contract
from billing.errors import ContractVersionConflict, NoContractInForce
from billing.periods import Period

# Writes version N only while exactly N - 1 versions exist: two racing writers of the
# same version cannot both succeed, and no version is ever overwritten.
_ADD_SCRIPT = """
if redis.call('HLEN', KEYS[1]) ~= tonumber(ARGV[1]) - 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
"""


async def add_contract(redis: Any, contract: Contract) -> None:
    """Store the next version of the shop's contract."""
    versions = await contract_versions(redis, contract.shop)
    if versions and contract.effective_from < versions[-1].effective_from:
        raise ContractVersionConflict(
            f"version {contract.version} takes effect before version {versions[-1].version}"
        )
    body = orjson.dumps(contract.as_dict())
    added = await redis.eval(_ADD_SCRIPT, 1, keys.contracts(contract.shop), contract.version, body)
    # the index is another slot in a Cluster, so it cannot join the script; adding is idempotent
    await redis.sadd(keys.BILLING_SHOPS, contract.shop)
    if not added:
        raise ContractVersionConflict(
            f"shop {contract.shop!r} is not at version {contract.version - 1}"
        )


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
