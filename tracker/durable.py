"""Script writes confirmed on disk: the script and `WAITAOF 1 0 <timeout>` in one pipeline.

WAITAOF waits for the writes of its own connection, so both go out together; on a Cluster
WAITAOF has no key and is sent to the node of the script's first key, where the pipeline
puts it on the same connection. It needs Redis or Valkey 7.2+ with `appendonly yes`.
"""

from __future__ import annotations

from typing import Any, Literal

import redis.exceptions
from redis.asyncio.cluster import RedisCluster

Unconfirmed = Literal["unsupported", "timed_out"]


async def eval_durably(
    client: Any, script: str, keys: list[str], args: list[Any], timeout_ms: int
) -> tuple[Any, Any]:
    """(the script's reply, WAITAOF's reply); either may be a `ResponseError`, not raised."""
    # EVAL, not EVALSHA: durable writes are rare, and EVAL needs no NOSCRIPT retry.
    node = (
        {"target_nodes": client.get_node_from_key(keys[0])}
        if isinstance(client, RedisCluster)
        else {}
    )
    async with client.pipeline(transaction=False) as pipe:
        pipe.eval(script, len(keys), *keys, *args)
        pipe.execute_command("WAITAOF", 1, 0, timeout_ms, **node)
        reply, synced = await pipe.execute(raise_on_error=False)
    return reply, synced


def unconfirmed(synced: Any) -> Unconfirmed | None:
    """Why WAITAOF's reply does not confirm the writes on the local disk, or None."""
    if isinstance(synced, redis.exceptions.ResponseError):
        return "unsupported"
    return "timed_out" if int(synced[0]) < 1 else None
