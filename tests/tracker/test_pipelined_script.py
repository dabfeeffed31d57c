from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis.asyncio
import redis.exceptions

from tracker.pipelined_script import PipelinedScript

pytestmark = pytest.mark.anyio
ECHO_AFTER_INCR = "redis.call('INCR', KEYS[1]); return ARGV[1]"


async def test_concurrent_callers_each_get_their_own_reply(store: Any) -> None:
    script = PipelinedScript(store, ECHO_AFTER_INCR)
    replies = await asyncio.gather(*[script(["bl:{t}:n"], [str(i)]) for i in range(200)])
    assert replies == [str(i) for i in range(200)]
    assert await store.get("bl:{t}:n") == "200"


async def test_a_lost_script_cache_is_reloaded_and_nothing_runs_twice(store: Any) -> None:
    script = PipelinedScript(store, ECHO_AFTER_INCR)
    await script(["bl:{t}:n"], ["a"])
    await store.script_flush()
    replies = await asyncio.gather(*[script(["bl:{t}:n"], ["b"]) for _ in range(5)])
    assert replies == ["b"] * 5
    assert await store.get("bl:{t}:n") == "6"


async def test_an_error_reaches_only_its_own_caller(store: Any) -> None:
    script = PipelinedScript(
        store, "if ARGV[1] == 'bad' then return redis.error_reply('no') end; return ARGV[1]"
    )
    good, bad = await asyncio.gather(
        script(["bl:{t}:k"], ["ok"]), script(["bl:{t}:k"], ["bad"]), return_exceptions=True
    )  # type: Any, Any
    assert good == "ok"
    assert isinstance(bad, redis.exceptions.ResponseError)


async def test_replies_later_than_the_socket_timeout_are_a_store_timeout(
    store: Any, clean_store: str
) -> None:
    if isinstance(store, redis.asyncio.RedisCluster):
        pytest.skip("pauses a single server")
    client = redis.asyncio.Redis.from_url(clean_store, socket_timeout=0.05)
    script = PipelinedScript(client, ECHO_AFTER_INCR)
    await script(["bl:{t}:n"], ["a"])
    await store.client_pause(200)
    with pytest.raises(redis.exceptions.TimeoutError):
        await asyncio.gather(script(["bl:{t}:n"], ["b"]), script(["bl:{t}:n"], ["c"]))
    await asyncio.sleep(0.3)
    assert await script(["bl:{t}:n"], ["d"]) == b"d"
    await client.aclose()
