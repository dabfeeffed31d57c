"""What one event or order adds to the per-placement figures: the rollup's rules.

- An impression is a `Recommendation Shown` event of a treatment visitor. A holdout
  visitor's widget sends one with `arm: "holdout"` where it would have been seen: that is
  no impression. Each of its `products` is one shown item.
- A click is a `Recommendation Clicked` event.
- Click-attributed revenue: the lines of an order of record whose product the same
  visitor (`anonymous_id`) clicked in a recommendation at most `ATTRIBUTION_WINDOW`
  (24 hours) before the order's `placed_at`, both edges included. When the product was
  clicked in several placements, the last click before the order wins. Quantity times
  unit price in the order's currency, before refunds; it is not billed (billing measures
  uplift against the holdout). Each attributed product of an order is one bought item.
- Per product and placement, beside the figures: the times it was shown, clicked and
  bought, and its click-attributed revenue (the per-product table).
- A placement the shop has not configured is counted under `OTHER_PLACEMENT`.
- Per product, an id is counted as the shop's catalogue names it (a variant's id as its
  product's), and an id the catalogue does not list under `UNLISTED_PRODUCT` (`listed`).
- Bots count for nothing. An event's day is when the server received it, an order's its
  `placed_at`, as calendar days in the time zone of the contract in effect (as billing).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import orjson

from billing.periods import Period, billing_day
from tracker.schema import Event
from widget.catalog import UNLISTED_PRODUCT
from widget.orders import Order, micros

ATTRIBUTION_WINDOW = datetime.timedelta(hours=24)
# The one row of events naming placements the shop does not have (`counted_placement`).
OTHER_PLACEMENT = "(other)"

# `revenue` items are `<currency>|<product>` and count millionths of the currency.
ItemKind = Literal["shown", "clicked", "bought", "revenue"]
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MILLISECOND = datetime.timedelta(milliseconds=1)


def millis(timestamp: str) -> int:
    """Milliseconds since the epoch of an ISO time, exactly (no float on the way)."""
    return (datetime.datetime.fromisoformat(timestamp) - _EPOCH) // _MILLISECOND


@dataclass(frozen=True)
class Click:
    """A click on a recommended product, at the time the server received it (ms)."""

    at_ms: int
    event_id: str
    placement: str
    product_id: str

    def member(self) -> bytes:
        """The click as a member of the visitor's sorted set of clicks."""
        return orjson.dumps([self.event_id, self.placement, self.product_id])

    @classmethod
    def from_member(cls, member: str | bytes, score: float) -> Click:
        event_id, placement, product_id = orjson.loads(member)
        return cls(int(score), event_id, placement, product_id)


@dataclass(frozen=True)
class RollupEntry:
    """What one event or order adds to one day's figures; counted once by `entry_id`.

    `figures`: (placement, name) -> increment; `items`: (kind, placement, product) -> count
    (for `revenue`: (kind, placement, `<currency>|<product>`) -> millionths);
    `click`: a click of `visitor` kept for attributing their orders.
    """

    entry_id: str
    day: datetime.date
    figures: Counter[tuple[str, str]] = field(default_factory=Counter)
    items: Counter[tuple[ItemKind, str, str]] = field(default_factory=Counter)
    visitor: str = ""
    click: Click | None = None

    @property
    def period(self) -> str:
        return str(Period.of(self.day))

    def products(self) -> set[str]:
        """The product ids its items name."""
        return {_split_item(kind, item)[1] for kind, _, item in self.items}

    def listed(self, product_of: Mapping[str, str | None]) -> RollupEntry:
        """The entry with each item's id as the catalogue names it (`product_of`, as
        `widget.catalog.listed_products_of` maps them) or, for one it does not list,
        `UNLISTED_PRODUCT`.

        The site key is public: anyone can send events naming millions of made-up ids.
        Counted in one field, their items stay visible (and in `figures`, untouched), yet
        a month's per-product hashes hold at most the catalogue's products and that one.
        Several unlisted products of one entry add up there, as their items do in `figures`.
        """
        items: Counter[tuple[ItemKind, str, str]] = Counter()
        for (kind, placement, item), count in self.items.items():
            prefix, product = _split_item(kind, item)
            items[kind, placement, prefix + (product_of.get(product) or UNLISTED_PRODUCT)] += count
        return dataclasses.replace(self, items=items)


def _split_item(kind: ItemKind, item: str) -> tuple[str, str]:
    """An item's `<currency>|` (for `revenue`, else "") and its product id."""
    if kind != "revenue":
        return "", item
    currency, _, product = item.partition("|")
    return f"{currency}|", product


def counted_placement(placement: str, known: Collection[str]) -> str:
    """The placement an event is counted under: one of the shop's, or `OTHER_PLACEMENT`.

    The site key is public, so anyone can send events naming any placement. Refusing them
    at the edge would lose a genuine widget's events while its placement is renamed, and
    the events are history of record beyond these figures; counted under one bounded row
    they stay visible (a stale snippet, or forged traffic) yet can never fill the Uplift
    page or the store with placements of their own. Billing never reads these figures."""
    return placement if placement in known else OTHER_PLACEMENT


def event_entry(event: Event, time_zone: str, known: Collection[str]) -> RollupEntry | None:
    """An impression with its shown items, or a click, under the placement counted for it
    among the shop's `known` placements; None for anything else."""
    if event.bot or event.type not in ("Recommendation Shown", "Recommendation Clicked"):
        return None
    properties = event.properties
    placement = counted_placement(str(properties["placement"]), known)
    day = billing_day(datetime.datetime.fromisoformat(event.received_at), time_zone)
    entry_id = f"event:{event.event_id}"
    if event.type == "Recommendation Clicked":
        at_ms, product = millis(event.received_at), str(properties["product_id"])
        click = Click(at_ms, event.event_id, placement, product)
        clicked = RollupEntry(entry_id, day, visitor=event.anonymous_id, click=click)
        clicked.figures[placement, "clicks"] += 1
        clicked.items["clicked", placement, product] += 1
        return clicked
    if properties.get("arm") == "holdout":
        return None
    entry = RollupEntry(entry_id, day)
    entry.figures[placement, "impressions"] += 1
    for product in properties.get("products", ()):
        entry.items["shown", placement, str(product["product_id"])] += 1
        entry.figures[placement, "shown"] += 1
    return entry


def attributed_placements(
    order: Order, clicks: Iterable[Click], window: datetime.timedelta = ATTRIBUTION_WINDOW
) -> dict[str, str]:
    """The order's products clicked within `window` before it -> the last click's placement."""
    placed_ms = millis(order.placed_at)
    earliest = placed_ms - window // _MILLISECOND
    bought = set(order.product_ids())
    last: dict[str, Click] = {}
    for click in clicks:
        if click.product_id not in bought or not earliest <= click.at_ms <= placed_ms:
            continue
        known = last.get(click.product_id)
        if known is None or (click.at_ms, click.event_id) > (known.at_ms, known.event_id):
            last[click.product_id] = click
    return {product: click.placement for product, click in last.items()}


def order_entry(
    order: Order,
    clicks: Iterable[Click],
    time_zone: str,
    window: datetime.timedelta = ATTRIBUTION_WINDOW,
) -> RollupEntry | None:
    """The order's click-attributed revenue and bought items; None when nothing is."""
    placements = attributed_placements(order, clicks, window)
    if not placements:
        return None
    placed_at = datetime.datetime.fromisoformat(order.placed_at)
    entry = RollupEntry(f"order:{order.order_id}", billing_day(placed_at, time_zone))
    revenue = f"revenue:{order.currency}"
    for line in order.lines:
        placement = placements.get(line.product_id)
        if placement is not None:
            amount = line.quantity * micros(line.unit_price)
            entry.figures[placement, revenue] += amount
            entry.items["bought", placement, line.product_id] = 1
            entry.items["revenue", placement, f"{order.currency}|{line.product_id}"] += amount
    for placement in placements.values():
        entry.figures[placement, "bought"] += 1
    for placement in set(placements.values()):
        entry.figures[placement, "orders"] += 1
    return entry
