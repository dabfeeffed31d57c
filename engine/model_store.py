"""Model artifacts in the store, where every server sees them: versioned, switched atomically.

    bl:{shop}:models:current         the version served: one short string, polled by servers
    bl:{shop}:models:versions        list of the versions made current, oldest first
    bl:{shop}:models:version:<v>     hash: metadata (JSON), chunks, digest, chunk:0..n-1

A version's arrays (an `.npz`, see `artifacts`) are cut into chunks of at most
`chunk_bytes`, so that no value is large enough to stall the store or a client. They are
written under the version's own key, which expires unless made current: a writer that dies
half way leaves nothing behind for long. One script then checks that every chunk is
there, removes the expiry and points `current` at the version, so a reader sees the old
version or the new one, never half of one. Versions beyond the newest `keep` are deleted.
Every key of a shop carries its hash tag: one Redis Cluster slot, as the script needs.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from redis.client import NEVER_DECODE
from redis.exceptions import ResponseError

from engine import keys
from engine.artifacts import Arrays, Artifact, arrays_from_bytes, read_folder, write_arrays
from engine.errors import IncompleteModel

CHUNK_BYTES = 8 * 1024 * 1024
KEEP_VERSIONS = 3
# Long enough for any write; an unfinished version is gone after it.
UNFINISHED_TTL_S = 3600
# The fields of a version's hash besides its chunks.
_FIELDS = ("metadata", "chunks", "digest")

_CLAIM = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'metadata', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""
# KEYS: version hash, current, versions list. ARGV: version, 'if-none' or ''.
# Returns 1 when switched, 0 when ARGV[2] is 'if-none' and a version is current.
_SWITCH = """
local chunks = tonumber(redis.call('HGET', KEYS[1], 'chunks'))
if chunks == nil or redis.call('HLEN', KEYS[1]) ~= chunks + 3 then
  return redis.error_reply('INCOMPLETE model version ' .. ARGV[1] .. ' is not whole')
end
if ARGV[2] == 'if-none' and redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('PERSIST', KEYS[1])
redis.call('SET', KEYS[2], ARGV[1])
redis.call('RPUSH', KEYS[3], ARGV[1])
return 1
"""

logger = logging.getLogger(__name__)


class ModelStore:
    """The shops' model versions in the store (`redis`: redis.asyncio, decoded replies)."""

    def __init__(
        self, redis: Any, keep: int = KEEP_VERSIONS, chunk_bytes: int = CHUNK_BYTES
    ) -> None:
        self._redis = redis
        self._keep = keep
        self._chunk_bytes = chunk_bytes
        self._claim = redis.register_script(_CLAIM)
        self._switch = redis.register_script(_SWITCH)

    async def save(self, shop: str, arrays: Arrays, metadata: dict[str, Any]) -> str:
        """Write a new version and make it current; returns its name."""
        version = await self.write(shop, arrays, metadata)
        await self.switch(shop, version)
        return version

    async def write(self, shop: str, arrays: Arrays, metadata: dict[str, Any]) -> str:
        """Write a new version without making it current (`switch` does); returns its name.
        Raises ValueError for object arrays, which would need pickle."""
        # Encoded into a temporary file and sent a chunk at a time: a large shop's arrays
        # (a GB and more) are not held twice more in memory as one blob.
        with tempfile.TemporaryFile() as encoded:
            await asyncio.to_thread(write_arrays, arrays, encoded)
            encoded.seek(0)
            version, key = await self._claim_version(shop, orjson.dumps(metadata))
            digest, chunks = hashlib.sha256(), 0
            while chunk := await asyncio.to_thread(encoded.read, self._chunk_bytes):
                digest.update(chunk)
                await self._redis.hset(key, f"chunk:{chunks}", chunk)
                chunks += 1
        await self._redis.hset(key, mapping={"chunks": chunks, "digest": digest.hexdigest()})
        return version

    async def switch(self, shop: str, version: str, if_none: bool = False) -> bool:
        """Make a whole written `version` current (only if none is, with `if_none`), then
        delete the versions beyond the newest kept; raises IncompleteModel if not whole."""
        keys_ = [keys.model_version(shop, version), keys.current_model(shop)]
        keys_.append(keys.model_versions(shop))
        try:
            switched = await self._switch(keys_, [version, "if-none" if if_none else ""])
        except ResponseError as error:
            if "INCOMPLETE" not in str(error):
                raise
            raise IncompleteModel(f"shop {shop!r}: model version {version} is not whole") from None
        if switched:
            await self._prune(shop, version)
        return bool(switched)

    async def current_version(self, shop: str) -> str | None:
        """The version being served, or None before the first one."""
        found: str | None = await self._redis.get(keys.current_model(shop))
        return found

    async def versions(self, shop: str) -> list[str]:
        """The versions kept, oldest first (the last is current)."""
        found: list[str] = await self._redis.lrange(keys.model_versions(shop), 0, -1)
        return found

    async def metadata(self, shop: str, version: str) -> dict[str, Any] | None:
        """The metadata saved with `version`, or None if it is gone."""
        found = await self._redis.hget(keys.model_version(shop, version), "metadata")
        return None if found is None else dict(orjson.loads(found))

    async def load(self, shop: str, version: str) -> Artifact:
        """The arrays and metadata of `version`, fully in memory; raises IncompleteModel
        if it is not whole (deleted meanwhile, or never finished)."""
        key = keys.model_version(shop, version)
        metadata, chunks, digest = await self._redis.hmget(key, _FIELDS)
        if chunks is None:
            raise IncompleteModel(f"shop {shop!r}: model version {version} is not in the store")
        parts = []
        for number in range(int(chunks)):
            part = await self._redis.execute_command(
                "HGET", key, f"chunk:{number}", **{NEVER_DECODE: []}
            )
            if part is None:
                raise IncompleteModel(f"shop {shop!r}: model version {version} lost a chunk")
            parts.append(part)
        # Joining, hashing and parsing 100 MB take a good part of a second: off the loop.
        arrays = await asyncio.to_thread(_verified_arrays, shop, version, parts, digest)
        return Artifact(version, arrays, orjson.loads(metadata))

    async def _claim_version(self, shop: str, metadata: bytes) -> tuple[str, str]:
        name = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        version, suffix = name, 0
        # Versions sort by time; two saves within one microsecond still get distinct names.
        while True:
            key = keys.model_version(shop, version)
            if await self._claim([key], [metadata, UNFINISHED_TTL_S]):
                return version, key
            suffix += 1
            version = f"{name}-{suffix}"

    async def _prune(self, shop: str, current: str) -> None:
        listed = keys.model_versions(shop)
        for old in await self._redis.lrange(listed, 0, -(self._keep + 1)):
            if old != current:
                await self._redis.unlink(keys.model_version(shop, old))
                await self._redis.lrem(listed, 1, old)


def _verified_arrays(shop: str, version: str, parts: list[bytes], digest: str) -> Arrays:
    blob = b"".join(parts)
    if hashlib.sha256(blob).hexdigest() != digest:
        raise IncompleteModel(f"shop {shop!r}: model version {version} fails its digest")
    return arrays_from_bytes(blob)


async def import_folders(store: ModelStore, folder: Path) -> list[str]:
    """Move the current versions that earlier releases saved under `folder/<shop>/` into
    `store`, for the shops that have none there yet; returns those shops. The folders
    are left as they were."""
    imported = []
    shops = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    for shop in shops:
        if await store.current_version(shop) is not None:
            continue
        artifact = await asyncio.to_thread(read_folder, folder / shop)
        if artifact is None:
            continue
        metadata = {**artifact.metadata, "imported_from": str(folder / shop / artifact.version)}
        version = await store.write(shop, artifact.arrays, metadata)
        # Servers starting together may each import it: the first switch wins, the
        # other copies expire unused.
        if await store.switch(shop, version, if_none=True):
            logger.info("shop %s: models %s moved from %s into the store", shop, version, folder)
            imported.append(shop)
    return imported
