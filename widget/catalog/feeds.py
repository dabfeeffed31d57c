"""Catalogues from feed URLs: imported once on request, or synced on a schedule.

A shop registers one feed: its URL, how often to sync it and the options of its format.
`FeedSyncer` runs with the consumers: it finds the feeds due in one sorted set, takes a
shop's lock (so that one process syncs a shop at a time, however many run), fetches and
imports the feed, and records how the sync went (its counts, its first 10 rejections,
an error at most 500 characters long).
A feed is a whole catalogue: a sync replaces the products it does not name, unless the
feed says `replace: false`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import logging
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson

from billing.contract_store import contract_in_force
from billing.errors import NoContractInForce
from billing.periods import Period
from tracker.consumer_loop import consume_until
from tracker.shops import ShopRegistry
from widget.catalog import keys as keys
from widget.catalog.errors import CatalogUploadError, InvalidFeedOption
from widget.catalog.fetch import FeedFetcher, check_feed_url
from widget.catalog.formats import FeedOptions
from widget.catalog.prices import DecimalSeparator
from widget.catalog.store import CatalogStore, ImportResult
from widget.platform.params import json_whole

MIN_EVERY_MINUTES = 15
MAX_EVERY_MINUTES = 7 * 24 * 60
MAX_ERROR_LENGTH = 500
MAX_KEPT_REJECTIONS = 10
POLL_SECONDS = 30.0
# Longer than a fetch may take (FeedFetcher.timeout_s) and its import after it.
LOCK_SECONDS = 15 * 60
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_CURRENCY = re.compile(r"[A-Za-z]{3}")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedOptionsGiven:
    """What the shop said of its feed's format; `resolve_options` completes it."""

    currency: str | None = None
    store_url: str | None = None
    decimal_separator: DecimalSeparator | None = None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Feed:
    url: str
    every_minutes: int
    replace: bool = True
    options: FeedOptionsGiven = FeedOptionsGiven()

    def as_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "every_minutes": self.every_minutes,
            "replace": self.replace,
            **self.options.as_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Feed:
        options = FeedOptionsGiven(
            data.get("currency"), data.get("store_url"), data.get("decimal_separator")
        )
        return cls(data["url"], data["every_minutes"], data.get("replace", True), options)


@dataclass(frozen=True)
class FeedState:
    """A shop's feed with when it is next due and how its last sync went (None: never)."""

    feed: Feed
    next_sync_at: float | None
    last_sync: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.feed.as_dict(),
            "next_sync_at": _iso(self.next_sync_at),
            "last_sync": self.last_sync,
        }


def options_from(data: Mapping[str, Any]) -> FeedOptionsGiven:
    """The format options of a request (query parameters or a JSON body), checked; an
    option absent, null or "" takes its default."""

    def given(name: str) -> Any:
        value = data.get(name)
        return None if value is None or value == "" else value

    currency = given("currency")
    if currency is not None and not (isinstance(currency, str) and _CURRENCY.fullmatch(currency)):
        raise InvalidFeedOption("must be an ISO 4217 code of 3 letters, such as EUR", "currency")
    store_url = given("store_url")
    if store_url is not None:
        parts = urlsplit(store_url) if isinstance(store_url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidFeedOption("must be the storefront's https:// address", "store_url")
        store_url = store_url.rstrip("/")
    separator = given("decimal_separator")
    if not (separator is None or separator in (".", ",")):
        raise InvalidFeedOption('must be "." or ","', "decimal_separator")
    return FeedOptionsGiven(currency and currency.upper(), store_url, separator)


async def resolve_options(redis: Any, shop: str, given: FeedOptionsGiven) -> FeedOptions:
    """The options of a shop's import: the currency its contract bills in (a different one
    given is refused), the store URL given or the shop's one origin."""
    currency = given.currency.upper() if given.currency else None
    try:
        today = datetime.datetime.now(datetime.UTC).date()
        contract = await contract_in_force(redis, shop, Period.of(today))
    except NoContractInForce:
        pass
    else:
        if currency is not None and currency != contract.currency:
            raise InvalidFeedOption(
                f"the shop's contract bills in {contract.currency}, not in {currency}", "currency"
            )
        currency = contract.currency
    store_url = given.store_url
    if store_url is None:
        origins = (await ShopRegistry(redis).get(shop)).origins
        store_url = origins[0] if len(origins) == 1 else None
    return FeedOptions(currency, store_url, given.decimal_separator)


async def import_feed(redis: Any, shop: str, feed: Feed, fetcher: FeedFetcher) -> ImportResult:
    """Fetch the feed and import it, as an upload of its body would be."""
    options = await resolve_options(redis, shop, feed.options)
    async with fetcher.open(feed.url) as chunks:
        return await CatalogStore(redis, shop).import_upload(chunks, None, feed.replace, options)


class FeedStore:
    """Shops' feeds, in `redis` (redis.asyncio, decoding responses)."""

    def __init__(self, redis: Any, clock: Callable[[], float] = time.time) -> None:
        self._redis = redis
        self._clock = clock

    async def register(self, shop: str, feed: Feed) -> FeedState:
        """Save the shop's feed (replacing any), due at once."""
        await self._redis.hset(keys.feed(shop), "config", orjson.dumps(feed.as_dict()))
        await self._redis.zadd(keys.FEEDS_DUE, {shop: self._clock()})
        state = await self.get(shop)
        assert state is not None
        return state

    async def get(self, shop: str) -> FeedState | None:
        config, last_sync = await self._redis.hmget(keys.feed(shop), ["config", "last_sync"])
        if config is None:
            return None
        due = await self._redis.zscore(keys.FEEDS_DUE, shop)
        last = None if last_sync is None else orjson.loads(last_sync)
        return FeedState(Feed.from_dict(orjson.loads(config)), due, last)

    async def remove(self, shop: str) -> bool:
        await self._redis.zrem(keys.FEEDS_DUE, shop)
        return bool(await self._redis.delete(keys.feed(shop)))

    async def due(self, limit: int = 10) -> list[str]:
        return list(
            await self._redis.zrangebyscore(keys.FEEDS_DUE, "-inf", self._clock(), 0, limit)
        )

    async def record(self, shop: str, feed: Feed, outcome: dict[str, Any]) -> None:
        """Keep how the sync went and set when the feed is next due (unless removed)."""
        if await self._redis.hget(keys.feed(shop), "config") is None:
            return
        await self._redis.hset(keys.feed(shop), "last_sync", orjson.dumps(outcome))
        next_at = self._clock() + feed.every_minutes * 60
        await self._redis.zadd(keys.FEEDS_DUE, {shop: next_at}, xx=True)


class FeedSyncer:
    """Syncs the feeds that are due, each under its shop's lock; `clock` gives seconds."""

    def __init__(
        self,
        redis: Any,
        fetcher: FeedFetcher,
        clock: Callable[[], float] = time.time,
        poll_s: float = POLL_SECONDS,
    ) -> None:
        self._redis = redis
        self._fetcher = fetcher
        self._clock = clock
        self._poll_s = poll_s
        self._feeds = FeedStore(redis, clock)

    async def run(self, stop: asyncio.Event) -> None:
        """Sync due feeds until `stop` is set."""
        await consume_until(stop, self.run_once, self._poll_s, log)

    async def run_once(self) -> int:
        """Sync the feeds due now; the number synced (by this process)."""
        synced = 0
        for shop in await self._feeds.due():
            synced += await self.sync(shop)
        return synced

    async def sync(self, shop: str) -> bool:
        """Sync the shop's feed unless another process holds its lock or it is not due."""
        token = secrets.token_hex(8)
        lock = keys.feed_lock(shop)
        if not await self._redis.set(lock, token, nx=True, ex=LOCK_SECONDS):
            return False
        try:
            due = await self._redis.zscore(keys.FEEDS_DUE, shop)
            state = await self._feeds.get(shop)
            if state is None or due is None or due > self._clock():
                return False
            await self._feeds.record(shop, state.feed, await self._attempt(shop, state.feed))
            return True
        finally:
            await self._redis.eval(_RELEASE, 1, lock, token)

    async def _attempt(self, shop: str, feed: Feed) -> dict[str, Any]:
        started = self._clock()
        try:
            result = await import_feed(self._redis, shop, feed, self._fetcher)
        except CatalogUploadError as refused:
            return {"at": _iso(started), "ok": False, "error": refused.reason[:MAX_ERROR_LENGTH]}
        except Exception as error:  # noqa: BLE001 (kept for the shop to see, and logged)
            log.exception("shop %s: feed sync failed", shop)
            return {"at": _iso(started), "ok": False, "error": repr(error)[:MAX_ERROR_LENGTH]}
        counts = result.as_dict()
        counts["rejected"] = counts["rejected"][:MAX_KEPT_REJECTIONS]
        return {"at": _iso(started), "ok": True, "error": None, **counts}


def _iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    moment = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    return moment.isoformat(timespec="seconds")


def feed_from(data: Mapping[str, Any], trusted_hosts: tuple[str, ...] = ()) -> Feed:
    """A feed registration from a JSON body, checked (`InvalidFeedOption` or
    `FeedUnreachable` naming the field)."""
    url = data.get("url")
    if not isinstance(url, str):
        raise InvalidFeedOption("is required: the feed's https:// URL", "url")
    every = json_whole(data.get("every_minutes", 24 * 60))
    if (
        isinstance(every, bool)
        or not isinstance(every, int)
        or not MIN_EVERY_MINUTES <= every <= MAX_EVERY_MINUTES
    ):
        raise InvalidFeedOption(
            f"must be a whole number from {MIN_EVERY_MINUTES} to {MAX_EVERY_MINUTES}",
            "every_minutes",
        )
    replace = data.get("replace", True)
    if not isinstance(replace, bool):
        raise InvalidFeedOption("must be true or false", "replace")
    return Feed(check_feed_url(url, trusted_hosts), every, replace, options_from(data))
