from __future__ import annotations

from typing import Any

import pytest

from tracker.applied import BUCKET_MS, AppliedIds, bucket_of

pytestmark = pytest.mark.anyio
STREAM = "bl:{acme}:events"
INDEX = "bl:{acme}:applied-minutes"
MINUTE = 1_700_000_040_000  # a whole minute


def bucket(start: int) -> str:
    return f"bl:{{acme}}:applied:{start}"


async def applied_in(store: Any, *minutes: int) -> AppliedIds:
    """Two entries (at 5 and 9 ms) and an applied id in each minute."""
    for start in minutes:
        for offset in (5, 9):
            await store.xadd(STREAM, {"n": 1}, id=f"{start + offset}-0")
        await store.sadd(bucket(start), f"event:{start}")
        await store.zadd(INDEX, {str(start): start})
    return AppliedIds(STREAM, INDEX, bucket)


def test_an_entry_belongs_to_the_minute_of_its_id() -> None:
    assert bucket_of(MINUTE + BUCKET_MS - 1) == MINUTE
    assert bucket_of(MINUTE + BUCKET_MS) == MINUTE + BUCKET_MS


async def test_nothing_is_forgotten_while_the_stream_keeps_its_entries(store: Any) -> None:
    applied = await applied_in(store, MINUTE, MINUTE + BUCKET_MS)
    assert await applied.forget_trimmed(store) == 0
    assert await store.exists(bucket(MINUTE), bucket(MINUTE + BUCKET_MS)) == 2


async def test_a_minute_goes_once_the_stream_trimmed_all_of_it(store: Any) -> None:
    applied = await applied_in(store, MINUTE, MINUTE + BUCKET_MS, MINUTE + 2 * BUCKET_MS)
    # The second minute's first entry goes, its second stays: only the first minute is gone.
    await store.xtrim(STREAM, minid=f"{MINUTE + BUCKET_MS + 6}-0", approximate=False)
    assert await applied.forget_trimmed(store) == 1
    assert await store.exists(bucket(MINUTE)) == 0
    assert await store.exists(bucket(MINUTE + BUCKET_MS), bucket(MINUTE + 2 * BUCKET_MS)) == 2
    assert await store.zrange(INDEX, 0, -1) == [
        str(MINUTE + BUCKET_MS),
        str(MINUTE + 2 * BUCKET_MS),
    ]


async def test_a_stream_trimmed_whole_keeps_only_the_minute_new_entries_may_join(
    store: Any,
) -> None:
    applied = await applied_in(store, MINUTE, MINUTE + BUCKET_MS)
    await store.xtrim(STREAM, minid=f"{MINUTE + BUCKET_MS + 10}-0", approximate=False)
    assert await store.xlen(STREAM) == 0
    assert await applied.forget_trimmed(store) == 1
    assert await store.zrange(INDEX, 0, -1) == [str(MINUTE + BUCKET_MS)]


async def test_no_stream_forgets_nothing(store: Any) -> None:
    await store.zadd(INDEX, {str(MINUTE): MINUTE})
    assert await AppliedIds(STREAM, INDEX, bucket).forget_trimmed(store) == 0
    assert await store.zcard(INDEX) == 1
