"""Checks on the events: did they arrive, from allowed origins, valid, on time, from people?"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from datetime import datetime

from tracker.schema import Event
from widget.integration.check import Check
from widget.integration.observed import MAX_EVENTS, Observed

SKEW_LIMIT_S = 120.0
BOT_SHARE_LIMIT = 0.5


def check_events(seen: Observed) -> Check:
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


def check_origins(seen: Observed) -> Check:
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


def check_dead_letters(seen: Observed) -> Check:
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


def check_clock_skew(events: list[Event]) -> Check:
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


def check_bots(events: list[Event]) -> Check:
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
