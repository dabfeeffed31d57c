"""Shops: their records, keys and allowed origins, kept in Redis.

A shop's record lives at `bl:{shop}:shop`, its origins at `bl:{shop}:origins`; the set
`bl:shops` indexes shop ids for listing.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from tracker import keys
from tracker.credentials import (
    SECRET_KEY_PREFIX,
    SHOP_ID_PATTERN,
    hash_secret,
    new_secret_key,
    new_site_key,
    secret_matches,
    shop_of_key,
)
from tracker.errors import InvalidShopField, ShopAlreadyExists, UnknownShop

# Creates the record only when absent, so that two racing creates cannot both succeed.
_CREATE_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'name', ARGV[2], 'site_key', ARGV[3],
           'secret_hash', ARGV[4], 'created_at', ARGV[5])
for i = 6, #ARGV do redis.call('SADD', KEYS[2], ARGV[i]) end
return 1
"""
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Shop:
    """A shop as the tracker knows it."""

    id: str
    name: str
    site_key: str
    origins: tuple[str, ...]
    created_at: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "site_key": self.site_key,
            "origins": list(self.origins),
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class IssuedShop:
    """A new shop and its secret key, which is shown once and stored only hashed."""

    shop: Shop
    secret_key: str


def normalise_origin(origin: str) -> str:
    """`https://Shop.example:443/` -> `https://shop.example`; raises for anything else."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise InvalidShopField("origin", f"{origin!r} is not an http(s)://host[:port] origin")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise InvalidShopField("origin", f"{origin!r} has more than scheme, host and port")
    try:
        port = parts.port
    except ValueError:
        raise InvalidShopField("origin", f"{origin!r} has an invalid port") from None
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-")
    return slug or "shop"


class ShopRegistry:
    """Creates, finds and changes shops; `redis` is a redis.asyncio client."""

    def __init__(self, redis: Any) -> None:
        self._redis = redis
        self._create = redis.register_script(_CREATE_SCRIPT)

    async def create(
        self, name: str, origins: tuple[str, ...] = (), shop_id: str | None = None
    ) -> IssuedShop:
        name = name.strip()
        if not name or len(name) > 200:
            raise InvalidShopField("name", "must be 1 to 200 characters")
        normalised = tuple(sorted({normalise_origin(origin) for origin in origins}))
        if shop_id is not None and not SHOP_ID_PATTERN.fullmatch(shop_id):
            raise InvalidShopField(
                "id", "must be 1-40 of a-z, 0-9 and '-', starting with a letter or digit"
            )
        candidate = shop_id or slugify(name)
        secret_key = new_secret_key(candidate)
        shop = Shop(
            id=candidate,
            name=name,
            site_key=new_site_key(candidate),
            origins=normalised,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        created = await self._create(
            keys=[keys.shop_record(shop.id), keys.shop_origins(shop.id)],
            args=[shop.id, shop.name, shop.site_key, hash_secret(secret_key), shop.created_at]
            + list(shop.origins),
        )
        if not created:
            if shop_id is not None:
                raise ShopAlreadyExists(shop_id)
            return await self.create(name, origins, f"{candidate[:35]}-{secrets.token_hex(2)}")
        await self._redis.sadd(keys.SHOPS_INDEX, shop.id)
        return IssuedShop(shop, secret_key)

    async def get(self, shop_id: str) -> Shop:
        record, origins = await self._record(shop_id)
        return Shop(
            id=record["id"],
            name=record["name"],
            site_key=record["site_key"],
            origins=tuple(sorted(origins)),
            created_at=record["created_at"],
        )

    async def list(self) -> list[Shop]:
        shop_ids = sorted(await self._redis.smembers(keys.SHOPS_INDEX))
        return [await self.get(shop_id) for shop_id in shop_ids]

    async def authenticate(self, secret_key: str) -> Shop:
        """The shop whose secret key this is; `UnknownShop` for any key that is not valid."""
        shop_id = shop_of_key(secret_key, SECRET_KEY_PREFIX)
        if shop_id is None:
            raise UnknownShop("?")
        stored = await self._redis.hget(keys.shop_record(shop_id), "secret_hash")
        if stored is None or not secret_matches(secret_key, stored):
            raise UnknownShop(shop_id)
        return await self.get(shop_id)

    async def rotate_secret_key(self, shop_id: str) -> str:
        await self._record(shop_id)
        secret_key = new_secret_key(shop_id)
        await self._redis.hset(keys.shop_record(shop_id), "secret_hash", hash_secret(secret_key))
        return secret_key

    async def rotate_site_key(self, shop_id: str) -> Shop:
        await self._record(shop_id)
        await self._redis.hset(keys.shop_record(shop_id), "site_key", new_site_key(shop_id))
        return await self.get(shop_id)

    async def add_origin(self, shop_id: str, origin: str) -> Shop:
        await self._record(shop_id)
        await self._redis.sadd(keys.shop_origins(shop_id), normalise_origin(origin))
        return await self.get(shop_id)

    async def remove_origin(self, shop_id: str, origin: str) -> Shop:
        await self._record(shop_id)
        removed = await self._redis.srem(keys.shop_origins(shop_id), normalise_origin(origin))
        if not removed:
            raise InvalidShopField("origin", f"{origin!r} is not an origin of shop {shop_id!r}")
        return await self.get(shop_id)

    async def _record(self, shop_id: str) -> tuple[dict[str, str], set[str]]:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(keys.shop_record(shop_id))
            pipe.smembers(keys.shop_origins(shop_id))
            record, origins = await pipe.execute()
        if not record:
            raise UnknownShop(shop_id)
        return record, origins
