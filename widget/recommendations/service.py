"""Recommendations for a visitor's placements: holdout, models, fallbacks, rules, display.

For every request: the visitor's arm of record (the first exposure wins, holdout visitors
get no items while it lasts), and, for a request that may count (a browser within its
network's limit of new visitors), the exposure of record and the day's exposure event
that makes the visitor count for billing; then, per placement, a chain of candidate
sources from which the business rules pick the items. Each placement does its own job:

- session (`product`): what sessions viewed next with this one, then trending in its
  category, trending, the catalogue;
- basket: complements of the cart (bought together with its items), then trending, the
  catalogue; an empty cart has no complements, so the placement is empty;
- personal (`home`): the visitor's taste in the trained model, else trending, then the
  catalogue; never the session's neighbours, which the product placement shows;
- longtail: only products outside the head (`head_split`), from the session re-ranked
  towards the tail, then the catalogue's tail; never an item the page's other
  placements show;
- trending: trending in the product's category, trending, the catalogue.

Everything a request reads is in memory or one pipelined round trip to the store: no
scan of the catalogue or the event log.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Any, Literal

import orjson

from billing import keys as billing_keys
from billing.holdout import ArmAssigner, exposure_arm, exposure_event, exposure_record
from tracker import keys as tracker_keys
from tracker.pipelined_script import PipelinedScript
from widget.catalog import CatalogIndex
from widget.events import keys as live_keys
from widget.platform.shop_config import Placement, ShopConfig
from widget.recommendations import keys
from widget.recommendations.models import ShopModels
from widget.recommendations.rules import Candidate, Situation, select

Arm = Literal["treatment", "holdout"]
CANDIDATES = 100
FIRST_CANDIDATES_PER_ITEM = 3
CONTEXT_LENGTH = 20
REQUEST_COUNTS_KEPT_S = 7200
_DAY_MS = 86_400_000
_VISITOR_SCRIPT = Path(__file__).with_name("visitor.lua").read_text()


@dataclass(frozen=True)
class ExposurePolicy:
    """What makes a visitor count: at most `new_per_network_hour` new visitors per client
    network (IPv4 /24, IPv6 /64) an hour; an exposure unseen for `lifetime_days` expires.
    Exposure events leave the stream as the tracker's events do: once archived."""

    new_per_network_hour: int = 20
    lifetime_days: int = 90


@dataclass(frozen=True)
class RecommendationRequest:
    """`network` is the client's (tracker.client.network_of); `counts` is False for a bot
    or a request no browser makes, which is served but records nothing."""

    anonymous_id: str
    session_id: str
    placements: tuple[str, ...]
    product_id: str | None = None
    cart: tuple[str, ...] = ()
    limit: int | None = None
    network: str = ""
    counts: bool = True


@dataclass(frozen=True)
class Slot:
    placement: str
    rec_id: str
    items: list[orjson.Fragment] = field(default_factory=list)


@dataclass(frozen=True)
class Recommendations:
    arm: Arm
    slots: list[Slot]

    def as_dict(self) -> dict[str, Any]:
        return {
            "arm": self.arm,
            "recommendations": [
                {"placement": s.placement, "rec_id": s.rec_id, "items": s.items} for s in self.slots
            ],
        }


@dataclass(frozen=True)
class ShopView:
    """What the service knows of a shop for one request (all of it already in memory)."""

    config: ShopConfig
    holdout_share: float
    catalog: CatalogIndex
    trending: list[str]
    models: ShopModels


def new_rec_id() -> str:
    # `secrets.token_hex(10)` reads os.urandom through three more calls.
    return "r_" + os.urandom(10).hex()


def _trending_in_category(view: ShopView, product_id: str | None) -> Iterator[Candidate]:
    index = view.catalog.index_of.get(product_id or "")
    if index is None:
        return
    category = view.catalog.category_id[index]
    for product in view.trending:
        found = view.catalog.index_of.get(product)
        if found is not None and view.catalog.category_id[found] == category:
            yield Candidate(product, 0.0, "popular in this category")


def _catalogue(view: ShopView, start_key: str, reason: str) -> Iterator[Candidate]:
    # The whole catalogue as a last resort, from a place that varies by visit and
    # placement so that catalogue depth gets seen; the rules stop the walk once the
    # placement is full.
    ids = view.catalog.product_ids
    if not ids:
        return
    start = zlib.crc32(start_key.encode()) % len(ids)
    for i in chain(range(start, len(ids)), range(start)):
        yield Candidate(ids[i], 0.0, reason)


def _trending(view: ShopView) -> Iterator[Candidate]:
    return (Candidate(product, 0.0, "trending") for product in view.trending)


def _widening(ask: Callable[[int], Sequence[Candidate]], first: int) -> Iterator[Candidate]:
    """A model's candidates: `first` of them, and `CANDIDATES` only when the rules have
    used up a full first list (most placements fill from the first few, and naming
    each candidate is much of a model call's cost)."""
    found = ask(min(first, CANDIDATES))
    yield from found
    if first < CANDIDATES and len(found) >= first:
        yield from ask(CANDIDATES)


def _session_context(session: Sequence[str], product_id: str | None) -> list[str]:
    context = list(session)
    if product_id is not None and (not context or context[-1] != product_id):
        context.append(product_id)
    return context


def candidate_chain(
    placement: Placement, view: ShopView, request: RecommendationRequest, session: Sequence[str]
) -> Iterable[Candidate]:
    """The placement's sources in order of preference (see the module docstring);
    consumed lazily by the rules."""
    models = view.models
    first = FIRST_CANDIDATES_PER_ITEM * (request.limit or placement.limit)
    # Each placement walks the catalogue from its own place: with no data yet (no model,
    # no trending), a page's placements still show different products.
    start = f"{request.session_id}:{placement.name}"
    strategy = placement.strategy
    if strategy == "basket":
        if request.cart:
            yield from _widening(partial(models.with_cart, list(request.cart)), first)
            yield from _trending(view)
            yield from _catalogue(view, start, "from the catalogue")
        return
    if strategy == "personal":
        yield from _widening(partial(models.for_visitor, request.anonymous_id), first)
        yield from _trending(view)
        yield from _catalogue(view, start, "from the catalogue")
        return
    context = _session_context(session, request.product_id)
    if strategy == "longtail":
        head = models.head
        deep = chain(
            _widening(partial(models.deep_after_session, context), first),
            _catalogue(view, start, "from deeper in the catalogue"),
        )
        yield from (c for c in deep if c.product_id not in head)
        return
    if strategy == "session" and context:
        yield from _widening(partial(models.after_session, context), first)
    yield from _trending_in_category(view, request.product_id)
    yield from _trending(view)
    yield from _catalogue(view, start, "from the catalogue")


class RecommendationService:
    """Answers recommendation requests of every shop; `redis` is a redis.asyncio client."""

    def __init__(
        self, redis: Any, holdout_secret: bytes, policy: ExposurePolicy = ExposurePolicy()
    ) -> None:
        # One script call per request, and concurrent requests' calls share round trips:
        # redis-py's per-command cost was most of a request's time once models are fast.
        self._visitor_script = PipelinedScript(redis, _VISITOR_SCRIPT)
        self._arms = ArmAssigner(holdout_secret)
        self._policy = policy

    async def recommend(
        self, shop: str, view: ShopView, request: RecommendationRequest
    ) -> Recommendations:
        now = datetime.now(UTC)
        assigned = self._arms.arm(shop, request.anonymous_id, view.holdout_share)
        placements = [view.config.placements[name] for name in request.placements]
        arm, session, bought = await self._visitor(shop, request, assigned, placements, now)
        if arm == "holdout":
            return Recommendations(arm, [Slot(p.name, new_rec_id()) for p in placements])
        catalog = view.catalog
        chosen: dict[str, list[Candidate]] = {}
        shown: set[str] = set()
        # Discovery last: it shows nothing the page's other placements show.
        for placement in sorted(placements, key=lambda p: p.strategy == "longtail"):
            situation = Situation(
                request.product_id,
                frozenset(request.cart),
                frozenset(bought.get(placement.rules.exclude_bought_days, ())),
                frozenset(shown) if placement.strategy == "longtail" else frozenset(),
            )
            chosen[placement.name] = select(
                candidate_chain(placement, view, request, session),
                request.limit or placement.limit,
                situation,
                placement.rules,
                catalog,
            )
            shown.update(c.product_id for c in chosen[placement.name])
        slots = [
            Slot(
                p.name,
                new_rec_id(),
                [catalog.shown(catalog.index_of[c.product_id], c.reason) for c in chosen[p.name]],
            )
            for p in placements
        ]
        return Recommendations(arm, slots)

    async def _visitor(
        self,
        shop: str,
        request: RecommendationRequest,
        assigned: Arm,
        placements: list[Placement],
        now: datetime,
    ) -> tuple[Arm, list[str], dict[int, list[str]]]:
        """In one call: the arm of record (the first exposure wins), the session's recent
        products (oldest first) and the visitor's recent purchases by window; it also
        counts the request of each placement in this hour and records what makes the
        visitor count (widget/recommendations/visitor.lua)."""
        windows = sorted({p.rules.exclude_bought_days for p in placements})
        now_ms = int(now.timestamp() * 1000)
        # As `now.strftime("%Y%m%d%H")`, which costs several times more.
        hour = f"{now.year:04}{now.month:02}{now.day:02}{now.hour:02}"
        policy = self._policy
        keys_used = [
            billing_keys.exposures(shop),
            live_keys.session_items(shop, request.session_id),
            live_keys.bought(shop, request.anonymous_id),
            keys.placement_requests(shop, hour),
            billing_keys.exposures_last_seen(shop),
            billing_keys.exposed_on(shop, hour[:8]),
            billing_keys.new_exposures(shop, request.network, hour),
            tracker_keys.event_stream(shop),
        ]
        args = [
            request.anonymous_id,
            exposure_record(assigned, now),
            CONTEXT_LENGTH,
            REQUEST_COUNTS_KEPT_S,
            int(request.counts),
            policy.new_per_network_hour,
            exposure_event(shop, request.anonymous_id, request.session_id, now),
            now_ms,
            policy.lifetime_days * _DAY_MS,
            len(placements),
            *(p.name for p in placements),
            *(now_ms - days * _DAY_MS for days in windows),
        ]
        record, newest_first, purchases = await self._visitor_script(keys_used, args)
        bought = dict(zip(windows, purchases, strict=True))
        return exposure_arm(record), newest_first[::-1], bought
