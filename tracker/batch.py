"""A request body of events: `{"site_key": ..., "sent_at": ..., "events": [...]}`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from tracker.errors import MalformedBatch
from tracker.schema import InvalidEvent, parse_timestamp

MAX_BODY_BYTES = 512 * 1024
MAX_EVENT_BYTES = 32 * 1024
MAX_BATCH_EVENTS = 500


@dataclass(frozen=True)
class Batch:
    """A parsed body; its events are still raw and are validated one by one."""

    site_key: str
    sent_at: str | None
    events: list[Any]
    body_bytes: int = 0


def parse_batch(body: bytes) -> Batch:
    """Parse a body; `MalformedBatch` (400) says what is wrong with it."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise MalformedBatch(f"the body is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise MalformedBatch("the body must be a JSON object")
    site_key = data.get("site_key")
    if not isinstance(site_key, str) or not site_key:
        raise MalformedBatch("site_key must be a non-empty string", field="site_key")
    events = data.get("events")
    if not isinstance(events, list):
        raise MalformedBatch("events must be an array of events", field="events")
    sent_at = data.get("sent_at")
    if sent_at is not None:
        try:
            sent_at = parse_timestamp(sent_at, "sent_at")
        except InvalidEvent as error:
            raise MalformedBatch(error.reason, field="sent_at") from None
    return Batch(site_key, sent_at, events, len(body))
