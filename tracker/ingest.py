"""Durable ingestion of a batch: validate each event, then append in one atomic script.

The script (`ingest.lua`) checks the site key, the origin and the rate limits, drops
event ids seen within the de-duplication window (`tracker.dedup`), appends the rest to the
shop's stream as one entry (`n`, `events` as JSON lines) and the invalid ones to its
dead-letter stream, all in one atomic call: a batch retried within the window is never
counted twice, and a reply of success means every accepted event was appended.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files
from typing import Any

import orjson
import redis.exceptions

from tracker import keys
from tracker.batch import MAX_BATCH_EVENTS, MAX_EVENT_BYTES, Batch
from tracker.client import Client
from tracker.credentials import SITE_KEY_PREFIX, shop_of_key
from tracker.dedup import DedupWindow, digest
from tracker.errors import (
    OriginNotAllowed,
    PayloadTooLarge,
    RateLimited,
    ServerOnlyEvent,
    StoreUnavailable,
    TooManyEvents,
    UnknownSiteKey,
)
from tracker.pipelined_script import PipelinedScript
from tracker.schema import SERVER_EVENT_TYPES, InvalidEvent, format_timestamp, validate_event

DEDUPLICATION_HOURS = 48
DEFAULT_DEDUP = DedupWindow(DEDUPLICATION_HOURS * 3_600_000)
_SCRIPT = files("tracker").joinpath("ingest.lua").read_text()


@dataclass(frozen=True)
class RateLimits:
    """Requests per second per site key and per client, with bursts of `burst_seconds`.

    The site key is public, so its limit must not become a way to lock a shop's visitors
    out: past `site_per_second` only clients that send little are let through (each
    client's limit falls to `client_per_second * share_under_load`), up to a ceiling of
    `ceiling_factor` times the site's burst that protects the store from everyone.
    """

    site_per_second: float = 200.0
    client_per_second: float = 5.0
    burst_seconds: float = 10.0
    share_under_load: float = 0.2
    ceiling_factor: float = 3.0


@dataclass(frozen=True)
class Rejection:
    """An event left out of a batch: its index, the field at fault and why."""

    index: int
    field: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "reason": self.reason}


@dataclass(frozen=True)
class IngestResult:
    shop: str
    accepted: int
    duplicates: int
    rejected: tuple[Rejection, ...]


class EventIngestor:
    """Appends batches of events to shops' streams; `redis` is a redis.asyncio client."""

    def __init__(
        self,
        redis: Any,
        dead_letter_days: int,
        limits: RateLimits,
        dedup: DedupWindow = DEFAULT_DEDUP,
    ) -> None:
        self._script = PipelinedScript(redis, _SCRIPT)
        self._dead_letter_ms = dead_letter_days * 86_400_000
        self._limits = limits
        self._dedup = dedup

    async def ingest(
        self, batch: Batch, origin: str | None, client: Client, now: datetime | None = None
    ) -> IngestResult:
        """Store a batch; raises a `BatchError` when the request as a whole is refused."""
        shop = shop_of_key(batch.site_key, SITE_KEY_PREFIX)
        if shop is None:
            raise UnknownSiteKey("unknown site key", field="site_key")
        if len(batch.events) > MAX_BATCH_EVENTS:
            raise TooManyEvents(
                f"a batch holds at most {MAX_BATCH_EVENTS} events, this one {len(batch.events)}",
                field="events",
            )
        # No event can be over the limit when the whole body is not.
        if not 0 < batch.body_bytes <= MAX_EVENT_BYTES:
            _check_event_sizes(batch.events)
        _refuse_server_events(batch.events)
        received = now or datetime.now(UTC)
        received_at = format_timestamp(received)
        digests: list[bytes] = []
        payloads: list[bytes] = []
        dead: list[bytes] = []
        rejected: list[Rejection] = []
        for index, raw in enumerate(batch.events):
            try:
                event = validate_event(raw, received)
            except InvalidEvent as error:
                rejected.append(Rejection(index, error.field, error.reason))
                dead.append(_dead_letter(shop, raw, error, received_at))
                continue
            event.update(shop=shop, received_at=received_at, sent_at=batch.sent_at, bot=client.bot)
            event["context"].update(
                ip=client.truncated_address, user_agent=client.user_agent, origin=origin
            )
            digests.append(digest(event["event_id"]))
            payloads.append(orjson.dumps(event))
        buckets = self._dedup.checked(int(received.timestamp() * 1000))
        reply = await self._run(
            shop,
            received,
            buckets,
            [
                batch.site_key,
                origin or "",
                self._dead_letter_ms,
                self._dedup.expires_at(buckets[0]),
                self._limits.site_per_second,
                self._limits.client_per_second,
                self._limits.burst_seconds,
                b"".join(digests),
                b"\n".join(payloads),
                b"\n".join(dead),
                len(dead),
                self._limits.share_under_load,
                self._limits.ceiling_factor,
            ],
            client,
        )
        if reply[0] == 1:
            raise UnknownSiteKey("unknown site key", field="site_key")
        if reply[0] == 2:
            raise OriginNotAllowed(f"origin {origin!r} is not allowed for this site key")
        if reply[0] == 3:
            retry_after = max(1, math.ceil(int(reply[1]) / 1000))
            raise RateLimited(f"too many requests; retry after {retry_after} s", retry_after)
        return IngestResult(shop, int(reply[1]), int(reply[2]), tuple(rejected))

    async def _run(
        self, shop: str, received: datetime, buckets: list[int], args: list[Any], client: Client
    ) -> list[Any]:
        script_keys = [
            keys.shop_record(shop),
            keys.shop_origins(shop),
            keys.event_stream(shop),
            keys.dead_letter_stream(shop),
            keys.site_rate(shop),
            keys.client_rate(shop, client.address_hash),
            keys.seen_event_ids(shop, buckets[0]),
            keys.refused_origins(shop, received.strftime("%Y%m%d%H")),
            *(keys.seen_event_ids(shop, start) for start in buckets[1:]),
        ]
        try:
            reply: list[Any] = await self._script(script_keys, args)
        except redis.exceptions.ResponseError as error:
            # READONLY, OOM, MISCONF: the store refused to write, so nothing was appended.
            raise StoreUnavailable(f"the event store refused the append: {error}") from None
        except (redis.exceptions.RedisError, redis.exceptions.RedisClusterException) as error:
            # Connection lost, timeout, or the cluster client's own errors (no node for a slot).
            raise StoreUnavailable(f"the event store did not confirm the append: {error}") from None
        return reply


def _check_event_sizes(events: list[Any]) -> None:
    for index, raw in enumerate(events):
        size = len(orjson.dumps(raw))
        if size > MAX_EVENT_BYTES:
            raise PayloadTooLarge(
                f"event {index} has {size} bytes; at most {MAX_EVENT_BYTES}",
                field=f"events[{index}]",
            )


def _refuse_server_events(events: list[Any]) -> None:
    for index, raw in enumerate(events):
        if isinstance(raw, dict) and raw.get("type") in SERVER_EVENT_TYPES:
            raise ServerOnlyEvent(
                f"{raw['type']!r} events are recorded by the server only, never sent by a client",
                field=f"events[{index}].type",
            )


def _dead_letter(shop: str, raw: Any, error: InvalidEvent, received_at: str) -> bytes:
    return orjson.dumps(
        {
            "shop": shop,
            "received_at": received_at,
            "field": error.field,
            "reason": error.reason,
            "event": raw,
        }
    )
