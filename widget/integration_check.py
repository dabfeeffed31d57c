"""`GET /v1/integration/check`: what arrived in the last hour, and what is wrong, in words.

Each check answers `ok`, `warning` (something to look at) or `error` (something broken);
the answer is `ok` when no check is an error. Streams are read newest first by time
(XREVRANGE), at most `MAX_EVENTS` events, dead letters or orders each. Hourly counters
(refused origins, placement requests) are summed over this clock hour and the previous.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tracker import keys as tracker_keys
from tracker.reader import stream_id
from tracker.schema import Event, format_timestamp
from widget import catalog_keys, keys, orders_keys
from widget.auth import authenticated_shop
from widget.openapi import SECRET_KEY, error, json_body
from widget.responses import FastJSONResponse
from widget.services import services

Status = Literal["ok", "warning", "error"]
WINDOW = timedelta(hours=1)
MAX_EVENTS = 20_000
STANDARD_PLACEMENTS = ("product", "basket", "home", "longtail")
SKEW_LIMIT_S = 120.0
BOT_SHARE_LIMIT = 0.5
_PAGE = 200
_CHUNK = 1_000
_EXAMPLES = 10


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "message": self.message,
            "details": self.details,
        }


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


def run_checks(seen: Observed) -> list[Check]:
    return [
        _events(seen),
        _origins(seen),
        _catalog(seen),
        _dead_letters(seen),
        _orders(seen),
        _placements(seen),
        _clock_skew(seen.events),
        _bots(seen.events),
    ]


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


def _events(seen: Observed) -> Check:
    by_type = dict(Counter(event.type for event in seen.events).most_common())
    details = {"events": len(seen.events), "by_type": by_type, "capped": seen.events_capped}
    if not seen.events:
        return Check(
            "events",
            "error",
            "No event arrived in the last hour. Check that the snippet is on your pages with "
            "this shop's site key, and look in the browser's console and network tab for "
            "requests to /v1/events that fail.",
            details,
        )
    capped = f" (only the latest {MAX_EVENTS} were read)" if seen.events_capped else ""
    if "Product Viewed" not in by_type:
        return Check(
            "events",
            "warning",
            f"{len(seen.events)} events arrived in the last hour{capped}, but no Product "
            "Viewed: product pages must send one, or product recommendations stay generic.",
            details,
        )
    message = f"{len(seen.events)} events arrived in the last hour{capped}."
    return Check("events", "ok", message, details)


def _origins(seen: Observed) -> Check:
    refused = sum(seen.refused_origins.values())
    details = {
        "refused_batches": dict(seen.refused_origins.most_common()),
        "allowed_origins": seen.allowed_origins,
    }
    if not refused:
        return Check("origins", "ok", "No batch of events came from a disallowed origin.", details)
    origins = ", ".join(seen.refused_origins)
    return Check(
        "origins",
        "warning" if seen.events else "error",
        f"{refused} batches of events were refused because they came from {origins}, which "
        "this shop does not allow. If that site is yours, add it to the shop's allowed "
        "origins (scheme, host and port, e.g. https://www.example.com).",
        details,
    )


def _catalog(seen: Observed) -> Check:
    if not seen.has_catalog:
        return Check(
            "catalog",
            "warning",
            "No catalogue uploaded yet: upload it with PUT /v1/catalog. Until then "
            "recommendations have no titles, prices or images, and product ids in events "
            "cannot be checked.",
        )
    missing = len(seen.missing_products)
    details = {
        "products_checked": seen.products_checked,
        "missing": missing,
        "examples": seen.missing_products[:_EXAMPLES],
    }
    if not missing:
        message = "Every product id in the last hour's events is in the catalogue."
        return Check("catalog", "ok", message, details)
    if missing == seen.products_checked:
        return Check(
            "catalog",
            "error",
            f"None of the {missing} product ids in events is in the catalogue: the pages "
            "probably send another id than the catalogue (a SKU instead of the product id?).",
            details,
        )
    return Check(
        "catalog",
        "warning",
        f"{missing} of {seen.products_checked} product ids in events are not in the "
        f"catalogue, e.g. {', '.join(seen.missing_products[:3])}: upload them, or check "
        "the ids the pages send.",
        details,
    )


def _dead_letters(seen: Observed) -> Check:
    if not seen.dead_letters:
        return Check("dead_letters", "ok", "No event was rejected as invalid.")
    causes = Counter((dead["field"], dead["reason"]) for dead in seen.dead_letters)
    (top_field, top_reason), top_count = causes.most_common(1)[0]
    details = {
        "rejected": len(seen.dead_letters),
        "accepted": len(seen.events),
        "causes": [
            {"field": name, "reason": reason, "count": count}
            for (name, reason), count in causes.most_common(5)
        ],
    }
    return Check(
        "dead_letters",
        "error" if len(seen.dead_letters) > len(seen.events) else "warning",
        f"{len(seen.dead_letters)} events were rejected as invalid and set aside; most often "
        f"{top_field or 'the event'} {top_reason} ({top_count} times).",
        details,
    )


def _orders(seen: Observed) -> Check:
    anonymous = [o["order_id"] for o in seen.orders if o.get("anonymous_id") is None]
    browser = sum(1 for event in seen.events if event.type == "Order Completed")
    details = {
        "orders": len(seen.orders),
        "without_anonymous_id": len(anonymous),
        "examples": anonymous[:_EXAMPLES],
        "order_completed_events": browser,
    }
    if anonymous:
        return Check(
            "orders",
            "warning",
            f"{len(anonymous)} of {len(seen.orders)} orders sent to POST /v1/orders came "
            "without anonymous_id: pass the visitor's anonymous id from the snippet to your "
            "checkout and send it with the order, or the order cannot be attributed.",
            details,
        )
    if browser and not seen.orders:
        return Check(
            "orders",
            "warning",
            f"The browser reported {browser} Order Completed events, but your backend sent no "
            "order to POST /v1/orders: only orders sent from your backend count as revenue.",
            details,
        )
    if not seen.orders:
        return Check("orders", "ok", "No order was sent to POST /v1/orders.", details)
    message = f"{len(seen.orders)} orders arrived, all with anonymous_id."
    return Check("orders", "ok", message, details)


def _placements(seen: Observed) -> Check:
    never = [name for name in STANDARD_PLACEMENTS if not seen.placement_requests[name]]
    details = {"requests": dict(seen.placement_requests.most_common()), "never_requested": never}
    if len(never) == len(STANDARD_PLACEMENTS) and not seen.placement_requests:
        return Check(
            "placements",
            "error",
            "No recommendation was requested in the last hour: no widget placeholder is on "
            "your pages, or the snippet is not loaded where they are.",
            details,
        )
    if never:
        return Check(
            "placements",
            "warning",
            f"The placements {', '.join(never)} were never requested in the last hour; if "
            "you meant to use them, add their placeholders to the pages.",
            details,
        )
    return Check("placements", "ok", "Every standard placement was requested.", details)


def _clock_skew(events: list[Event]) -> Check:
    if not events:
        return Check("clock_skew", "ok", "No event to measure clock skew on.")
    skews = sorted(_seconds_late(event) for event in events)
    spread = sorted(abs(skew) for skew in skews)
    median = statistics.median(skews)
    p95 = spread[math.ceil(0.95 * len(spread)) - 1]
    details = {"median_s": round(median, 3), "p95_s": round(p95, 3), "events": len(skews)}
    if abs(median) > SKEW_LIMIT_S:
        return Check(
            "clock_skew",
            "warning",
            f"Event timestamps are off by {_duration(median)} (median) from when they "
            "arrived: stamp events with the browser's current time in UTC "
            "(new Date().toISOString()); a local time labelled Z is the usual cause.",
            details,
        )
    if p95 > SKEW_LIMIT_S:
        return Check(
            "clock_skew",
            "warning",
            f"Most events are on time, but 1 in 20 is off by more than {_duration(p95)}: "
            "some visitors' clocks are wrong, or events wait long before they are sent.",
            details,
        )
    return Check("clock_skew", "ok", "Event timestamps agree with the server's clock.", details)


def _bots(events: list[Event]) -> Check:
    bots = sum(1 for event in events if event.bot)
    share = bots / len(events) if events else 0.0
    details = {"bot_events": bots, "share": round(share, 4)}
    if share > BOT_SHARE_LIMIT:
        return Check(
            "bots",
            "warning",
            f"{share:.0%} of events came from automated clients (crawlers, headless "
            "browsers). Expected while you test with such tools; otherwise look at who "
            "loads your pages. They are flagged and left out of recommendations.",
            details,
        )
    return Check("bots", "ok", f"{share:.0%} of events came from automated clients.", details)


def _seconds_late(event: Event) -> float:
    received = datetime.fromisoformat(event.received_at)
    return (received - datetime.fromisoformat(event.timestamp)).total_seconds()


def _duration(seconds: float) -> str:
    whole = round(abs(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else "", f"{secs} s"]
    return " ".join(part for part in parts if part)


async def integration_check(request: Request) -> Response:
    """What arrived in the last hour and what is wrong, as checks with a status each."""
    shop = await authenticated_shop(request)
    now = datetime.now(UTC)
    checks = run_checks(await observe(services(request).redis, shop.id, now))
    return FastJSONResponse(
        {
            "window": {"from": format_timestamp(now - WINDOW), "to": format_timestamp(now)},
            "ok": all(check.status != "error" for check in checks),
            "checks": [check.as_dict() for check in checks],
        }
    )


routes = [Route("/v1/integration/check", integration_check, methods=["GET"])]

_CHECK = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "status": {"type": "string", "enum": ["ok", "warning", "error"]},
        "message": {"type": "string"},
        "details": {"type": "object"},
    },
}
paths = {
    "/v1/integration/check": {
        "get": {
            "summary": "Check the shop's integration over the last hour",
            "description": str(integration_check.__doc__),
            "security": SECRET_KEY,
            "responses": {
                "200": json_body(
                    {
                        "type": "object",
                        "properties": {
                            "window": {"type": "object"},
                            "ok": {"type": "boolean"},
                            "checks": {"type": "array", "items": _CHECK},
                        },
                    }
                ),
                "401": error("No valid secret key"),
            },
        }
    }
}
