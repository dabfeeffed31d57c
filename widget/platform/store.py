"""The connection to the store: a Redis/Valkey server or a Redis Cluster, found from a URL."""

from __future__ import annotations

import secrets
from typing import Any

import redis.asyncio
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

# Written by every readiness check: a store that answers but refuses writes is not ready.
READINESS_KEY = "bl:readiness"
_SCHEMES = {"valkey://": "redis://", "valkeys://": "rediss://"}
_OPTIONS: dict[str, Any] = {
    "decode_responses": True,
    "socket_timeout": 5.0,
    "socket_connect_timeout": 2.0,
    "health_check_interval": 30,
}


def _redis_url(url: str) -> str:
    for scheme, replacement in _SCHEMES.items():
        if url.startswith(scheme):
            return replacement + url[len(scheme) :]
    return url


async def connect(url: str) -> Any:
    """A redis.asyncio client for `url`, or a cluster client when the server is a cluster."""
    url = _redis_url(url)
    retry = Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=2)
    client = redis.asyncio.Redis.from_url(url, retry=retry, **_OPTIONS)
    info = await client.info("cluster")
    if not info.get("cluster_enabled"):
        return client
    await client.aclose()
    return RedisCluster.from_url(url, retry=retry, **_OPTIONS)


async def deployment_secret(client: Any, key: str) -> bytes:
    """A random secret made once per store (the first process wins), shared by all processes."""
    await client.set(key, secrets.token_hex(32), nx=True)
    return str(await client.get(key)).encode()


async def accepts_writes(client: Any) -> None:
    """Raises the store's error unless it answers and accepts a small write."""
    await client.set(READINESS_KEY, "1", px=60_000)
