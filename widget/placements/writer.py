"""How the rollup's entries are stored: `placements.lua` calls over batches of entries.

Each entry is counted at most once, atomically: the script skips an entry whose id is in
the set of ids counted from its stream entry's minute, and adds the id once it has applied
the entry (`tracker.applied`: the rollup forgets them once the stream trimmed the minute). A
click is also kept in its visitor's sorted set of clicks, for attributing their orders.
The per-product clicks and revenue expire `PRODUCT_FIGURES_KEPT` after their month's last
day: the dashboard's months (this one and the eleven before) always have them, and the
store never keeps a product id named by forged clicks for longer.
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Sequence
from importlib.resources import files
from typing import Any

import orjson

from billing.periods import Period
from tracker.applied import bucket_of
from tracker.pipelined_script import PipelinedScript
from widget.placements import keys as keys
from widget.placements.entries import RollupEntry

# A visitor's clicks are kept this long after their latest: far beyond the attribution
# window, so that an order judged late (a backlog) still finds the clicks before it.
CLICKS_KEPT = datetime.timedelta(days=30)
PRODUCT_FIGURES_KEPT = datetime.timedelta(days=400)
# Entries counted by one script call: few round trips, and the store is never held long.
ENTRIES_PER_CALL = 100
_MILLISECOND = datetime.timedelta(milliseconds=1)
_SCRIPT = files("widget.placements").joinpath("placements.lua").read_text()
_ITEM_KEYS = {
    "shown": keys.shown_items,
    "clicked": keys.clicked_items,
    "bought": keys.bought_items,
    "revenue": keys.item_revenue,
}
_EXPIRING: frozenset[str] = frozenset(("clicked", "revenue"))
_EPOCH = datetime.date(1970, 1, 1)


def _expires_at(day: datetime.date) -> int:
    """Seconds since the epoch when the per-product figures of `day`'s month expire: the
    same for every entry of the month, so no entry cuts another's time short."""
    last_day = Period.of(day).last_day
    return (last_day - _EPOCH + PRODUCT_FIGURES_KEPT) // datetime.timedelta(seconds=1)


class _ScriptCall:
    """The keys and arguments of one `placements.lua` call over several entries."""

    def __init__(self, shop: str) -> None:
        self.shop = shop
        self.keys: list[str] = []
        self.entries: list[dict[str, Any]] = []
        self._positions: dict[str, int] = {}

    def _key(self, key: str) -> int:
        position = self._positions.get(key)
        if position is None:
            self.keys.append(key)
            position = self._positions[key] = len(self.keys)
        return position

    def add(self, source: str, received_ms: int, entry: RollupEntry) -> None:
        shop, period, day = self.shop, entry.period, entry.day.isoformat()
        minute = bucket_of(received_ms)
        positions: dict[tuple[str, str], int] = {}
        items: list[list[Any]] = []
        for (kind, placement, product), count in entry.items.items():
            position = positions.get((kind, placement))
            if position is None:
                items_key = _ITEM_KEYS[kind](shop, period, placement)
                position = positions[kind, placement] = self._key(items_key)
            item: list[Any] = [position, product, str(count)]
            if kind in _EXPIRING:
                item.append(str(_expires_at(entry.day)))
            items.append(item)
        counts = {f"{day}|{p}|{name}": str(n) for (p, name), n in entry.figures.items()}
        found: dict[str, Any] = {
            "id": entry.entry_id,
            "applied": self._key(keys.applied(shop, source, minute)),
            "minutes": self._key(keys.applied_minutes(shop, source)),
            "minute": str(minute),
            "figures": self._key(keys.figures(shop, period)),
            "counts": counts,
            "items": items,
        }
        if entry.click is not None:
            click, kept_ms = entry.click, CLICKS_KEPT // _MILLISECOND
            found["click"] = [
                self._key(keys.clicks(shop, entry.visitor)),
                str(click.at_ms),
                click.member().decode(),
                str(click.at_ms - kept_ms),
                int(CLICKS_KEPT.total_seconds()),
            ]
        self.entries.append(found)

    @property
    def args(self) -> list[bytes]:
        return [orjson.dumps(self.entries)]


class PlacementWriter:
    """Counts rollup entries in the store reached by `redis` (redis.asyncio)."""

    def __init__(self, redis: Any) -> None:
        self._script = PipelinedScript(redis, _SCRIPT)

    async def count(
        self, shop: str, source: str, entries: Sequence[tuple[int, RollupEntry]]
    ) -> None:
        """Count every entry not counted before; concurrent calls share round trips.
        `entries`: (the time of the `source` stream entry it came from, the entry)."""
        calls = []
        for start in range(0, len(entries), ENTRIES_PER_CALL):
            call = _ScriptCall(shop)
            for received_ms, entry in entries[start : start + ENTRIES_PER_CALL]:
                call.add(source, received_ms, entry)
            calls.append(self._script(call.keys, call.args))
        await asyncio.gather(*calls)
