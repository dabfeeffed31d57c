"""A Lua script whose concurrent calls share round trips to the store (group commit).

A round trip costs far more than the script itself: under load, the calls that queue
while one pipeline is in flight are sent together as the next pipeline. Every call is
still its own atomic EVALSHA with its own reply, so batching changes no semantics; it
only adds at most one round trip of latency to a call that arrives mid-flight. On a
cluster each node gets its own calls, and a node that fails fails only those.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
from collections.abc import Sequence
from typing import Any

import hiredis
import redis.exceptions
from redis.asyncio.cluster import RedisCluster

MAX_PIPELINE = 256

_Call = tuple[Sequence[Any], Sequence[Any], "asyncio.Future[Any]"]


class PipelinedScript:
    """`await script(keys, args)` runs `source`; concurrent calls go out as one pipeline."""

    def __init__(self, redis: Any, source: str) -> None:
        self._redis = redis
        self._source = source
        self._sha = hashlib.sha1(source.encode()).hexdigest()
        self._sha_bytes = self._sha.encode()
        self._queue: list[_Call] = []
        self._sender: asyncio.Task[None] | None = None

    async def __call__(self, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append((keys, args, future))
        if self._sender is None:
            self._sender = asyncio.create_task(self._send_queued())
        return await future

    async def _send_queued(self) -> None:
        try:
            while self._queue:
                calls, self._queue = self._queue[:MAX_PIPELINE], self._queue[MAX_PIPELINE:]
                await self._send(calls)
        finally:
            self._sender = None

    async def _send(self, calls: list[_Call]) -> None:
        try:
            replies = await self._execute(calls)
        except Exception as error:
            # Whatever went wrong, every caller gets an answer: none may wait forever.
            replies = [error] * len(calls)
        for (_, _, future), reply in zip(calls, replies, strict=True):
            if future.done():
                continue
            if isinstance(reply, BaseException):
                future.set_exception(reply)
            else:
                future.set_result(reply)

    async def _execute(self, calls: list[_Call]) -> list[Any]:
        if not isinstance(self._redis, RedisCluster):
            pool = self._redis.connection_pool
            connection = await pool.get_connection()
            try:
                return await self._run_on(connection, calls)
            finally:
                await pool.release(connection)
        return await self._execute_on_cluster(calls)

    async def _execute_on_cluster(self, calls: list[_Call]) -> list[Any]:
        # Each call's keys share one slot (the shop's hash tag): send each node its calls.
        # A node that fails fails only its own calls: the other shops' calls go on.
        by_node: dict[str, tuple[Any, list[int]]] = {}
        for i, (keys, _, _) in enumerate(calls):
            node = self._redis.get_node_from_key(keys[0])
            by_node.setdefault(node.name, (node, []))[1].append(i)
        replies: list[Any] = [None] * len(calls)

        async def on_node(node: Any, indices: list[int]) -> None:
            try:
                connection = node.acquire_connection()
                try:
                    found = await self._run_on(connection, [calls[i] for i in indices])
                finally:
                    node.release(connection)
            except Exception as error:
                found = [error] * len(indices)
            for i, reply in zip(indices, found, strict=True):
                replies[i] = reply

        await asyncio.gather(*(on_node(node, indices) for node, indices in by_node.values()))
        for i, reply in enumerate(replies):
            if isinstance(reply, redis.exceptions.ResponseError) and str(reply).startswith(
                ("MOVED", "ASK")
            ):
                # The slot moved and the call did not run: the cluster client follows the
                # redirection and refreshes its map of slots.
                keys, args, _ = calls[i]
                try:
                    replies[i] = await self._redis.eval(self._source, len(keys), *keys, *args)
                except Exception as error:
                    replies[i] = error
        return replies

    async def _run_on(self, connection: Any, calls: list[_Call]) -> list[Any]:
        """The calls' replies from one connection; when its server lost the script cache
        (restart, failover), the script is loaded there and only the calls that did not
        run are sent again."""
        replies = await self._send_on(connection, calls)
        missing = [
            i
            for i, reply in enumerate(replies)
            if isinstance(reply, redis.exceptions.NoScriptError)
        ]
        if missing:
            await connection.send_command("SCRIPT", "LOAD", self._source)
            await connection.read_response()
            retried = await self._send_on(connection, [calls[i] for i in missing])
            for i, reply in zip(missing, retried, strict=True):
                replies[i] = reply
        return replies

    async def _send_on(self, connection: Any, calls: list[_Call]) -> list[Any]:
        """Send the calls as one write, then read one reply each, all of them within the
        connection's socket timeout."""
        try:
            await connection.send_packed_command(
                b"".join([self._pack(keys, args) for keys, args, _ in calls]), check_health=False
            )
            replies: list[Any] = []
            # One time limit for all the replies: redis-py's own, set up again for each
            # read, cost more than reading the reply. `math.inf` asks it for none.
            async with asyncio.timeout(connection.socket_timeout):
                for _ in calls:
                    try:
                        replies.append(await connection.read_response(timeout=math.inf))
                    except redis.exceptions.ResponseError as error:
                        replies.append(error)
        except TimeoutError:
            await connection.disconnect()
            raise redis.exceptions.TimeoutError("Timeout reading the store's replies") from None
        except BaseException:
            await connection.disconnect()
            raise
        return replies

    def _pack(self, keys: Sequence[Any], args: Sequence[Any]) -> bytes:
        """EVALSHA as a RESP array of bulk strings, packed by hiredis (redis-py's parser):
        redis-py's general-purpose encoder costs more than the whole script for a call of
        twenty-odd arguments, and packing in Python still cost twice hiredis's time."""
        command = (b"EVALSHA", self._sha_bytes, len(keys), *keys, *args)
        packed: bytes = hiredis.pack_command(command)
        return packed
