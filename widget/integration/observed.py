"""What the store holds about a shop's last hour: events, dead letters, orders and counters."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson

from tracker import keys as tracker_keys
from tracker.reader import stream_id
from tracker.schema import Event
from widget.catalog import keys as catalog_keys
from widget.orders import keys as orders_keys
from widget.recommendations import keys

WINDOW = timedelta(hours=1)
MAX_EVENTS = 20_000
_PAGE = 200
_CHUNK = 1_000


@dataclass(frozen=True)
class Observed:
    """What the store holds about a shop's last hour."""

    events: list[Event]
    events_capped: bool
    dead_letters: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    refused_origins: Counter[str]
    placement_requests: Counter[str]
    allowed_origins: list[str]
    has_catalog: bool
    missing_products: list[str]
    products_checked: int


async def observe(redis: Any, shop: str, now: datetime) -> Observed:
    since = now - WINDOW
    hours = [moment.strftime("%Y%m%d%H") for moment in (now, since)]
    event_entries, capped = await _recent(redis, tracker_keys.event_stream(shop), since)
    dead_entries, _ = await _recent(redis, tracker_keys.dead_letter_stream(shop), since)
    log_entries, _ = await _recent(redis, orders_keys.order_log(shop), since)
    async with redis.pipeline(transaction=False) as pipe:
        for hour in hours:
            pipe.hgetall(tracker_keys.refused_origins(shop, hour))
            pipe.hgetall(keys.placement_requests(shop, hour))
        pipe.smembers(tracker_keys.shop_origins(shop))
        pipe.exists(catalog_keys.catalog(shop))
        *hourly, allowed, has_catalog = await pipe.execute()
    events = [Event.from_payload(line) for entry in event_entries for line in _lines(entry)]
    products = list(dict.fromkeys(_product_ids(events)))
    missing = await _missing(redis, catalog_keys.catalog(shop), products) if has_catalog else []
    return Observed(
        events=events,
        events_capped=capped,
        dead_letters=[orjson.loads(line) for entry in dead_entries for line in _lines(entry)],
        orders=[orjson.loads(e["body"]) for e in log_entries if e.get("kind") == "order"],
        refused_origins=_summed(hourly[0::2]),
        placement_requests=_summed(hourly[1::2]),
        allowed_origins=sorted(allowed),
        has_catalog=bool(has_catalog),
        missing_products=missing,
        products_checked=len(products),
    )


async def _recent(redis: Any, stream: str, since: datetime) -> tuple[list[dict[str, str]], bool]:
    """Fields of the entries received since `since`, newest first, holding at most about
    `MAX_EVENTS` items (an entry of `n` events counts `n`); True when some were left."""
    found: list[dict[str, str]] = []
    items, high, low = 0, "+", stream_id(since)
    while True:
        page = await redis.xrevrange(stream, max=high, min=low, count=_PAGE)
        for _, fields in page:
            if items >= MAX_EVENTS:
                return found, True
            found.append(fields)
            items += int(fields.get("n", 1))
        if len(page) < _PAGE:
            return found, False
        high = "(" + page[-1][0]


def _lines(entry: dict[str, str]) -> list[str]:
    return entry["events"].split("\n")


def _summed(hashes: Iterable[dict[str, str]]) -> Counter[str]:
    total: Counter[str] = Counter()
    for counts in hashes:
        total.update({name: int(count) for name, count in counts.items()})
    return total


def _product_ids(events: list[Event]) -> Iterable[str]:
    for event in events:
        if "product_id" in event.properties:
            yield str(event.properties["product_id"])
        for product in event.properties.get("products", ()):
            yield str(product["product_id"])


async def _missing(redis: Any, catalog: str, products: list[str]) -> list[str]:
    missing: list[str] = []
    for start in range(0, len(products), _CHUNK):
        chunk = products[start : start + _CHUNK]
        async with redis.pipeline(transaction=False) as pipe:
            for product in chunk:
                pipe.hexists(catalog, product)
            found = await pipe.execute()
        missing += [product for product, present in zip(chunk, found, strict=True) if not present]
    return missing
