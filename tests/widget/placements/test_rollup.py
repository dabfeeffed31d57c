from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from billing.order_log import order_log_reader
from billing.periods import Period
from tests.widget.placements.traffic import (
    MORNING,
    ROBOT,
    Invoice,
    ShopTraffic,
    clicked,
    first_invoices,
    shown,
    widget_traffic,
)
from tracker.keys import event_stream
from tracker.reader import StreamReader
from widget.catalog import CatalogStore, Product
from widget.catalog.formats import SourceRow
from widget.events import keys as events_keys
from widget.orders import keys as orders_keys
from widget.orders.store import DurabilityUnsupported
from widget.placements import OTHER_PLACEMENT, keys
from widget.placements.figures import ItemCounts, placement_figures
from widget.placements.rollup import PlacementRollup
from widget.recommendations.head_split import HeadItems

pytestmark = pytest.mark.anyio
OCTOBER = Period(2026, 10)
FIRST = first_invoices(1)[0]  # 536365 of customer 17850
MINUTE = timedelta(minutes=1)
# placement -> (impressions, clicks, orders, revenue, shown items, bought items)
EXPECTED = {
    "basket": (1, 2, 0, {}, 4, 0),
    # 85123A (6 x 2.55) and 84029G (6 x 3.39), whose last click was in this placement
    "product": (1, 2, 1, {"GBP": Decimal("35.64")}, 4, 2),
}


async def table(store: Any, shop: str = "acme", head: HeadItems | None = None) -> dict[str, Any]:
    found = await placement_figures(store, shop, OCTOBER, head)
    return {
        row.placement: (
            row.impressions,
            row.clicks,
            row.orders,
            row.revenue,
            row.shown.items,
            row.bought.items,
        )
        for row in found.rows
    }


async def drain(rollup: PlacementRollup) -> int:
    applied = 0
    while found := await rollup.run_once():
        applied += found
    return applied


async def real_traffic(store: Any, shop: str = "acme") -> None:
    await widget_traffic(await ShopTraffic.create(store, shop))


async def test_figures_per_placement_from_real_events_and_orders(store: Any) -> None:
    await real_traffic(store)
    assert await drain(PlacementRollup(store)) == 6 + 2
    assert await table(store) == EXPECTED


async def test_a_replay_counts_nothing_twice(store: Any) -> None:
    await real_traffic(store)
    await drain(PlacementRollup(store))
    # A new group reads both streams from their start again.
    assert await drain(PlacementRollup(store, group="replay")) == 8
    assert await table(store) == EXPECTED


async def test_a_restart_with_pending_entries_counts_nothing_twice(store: Any) -> None:
    await real_traffic(store)
    events = StreamReader(store, "acme", "placements", "dead")
    await events.ensure_group()
    orders = order_log_reader(store, orders_keys.order_log("acme"), "placements", "dead")
    await orders.ensure_group()
    delivered, logged = await events.read(), await orders.read()
    dead = PlacementRollup(store, consumer="dead")
    await dead.apply_events("acme", delivered[: len(delivered) // 2])
    await dead.apply_orders("acme", logged[:1])
    # The dead consumer acknowledged nothing: another takes over all its entries.
    assert await drain(PlacementRollup(store, consumer="next", reclaim_after_ms=0)) == 8
    assert await table(store) == EXPECTED


async def test_counted_ids_are_forgotten_once_the_streams_trimmed_their_minutes(
    store: Any,
) -> None:
    await real_traffic(store)
    rollup = PlacementRollup(store)
    await drain(rollup)
    streams = {"events": event_stream("acme"), "orders": orders_keys.order_log("acme")}
    for source, stream in streams.items():
        minutes = await store.zrange(keys.applied_minutes("acme", source), 0, -1)
        sets = [keys.applied("acme", source, int(minute)) for minute in minutes]
        assert minutes and await store.exists(*sets) == len(sets)
        # Trimmed whole, then a later entry: every minute of the counted entries is past.
        last = int(minutes[-1]) + 60_000
        await store.xadd(stream, {"kind": "none", "body": "{}"}, id=f"{last}-0")
        await store.xtrim(stream, minid=f"{last}-0", approximate=False)
    assert await rollup.forget_trimmed() > 0
    for source in ("events", "orders"):
        assert await store.zcard(keys.applied_minutes("acme", source)) == 0
    assert await table(store) == EXPECTED


@pytest.mark.parametrize(
    ("after_the_click", "attributed"),
    [
        (timedelta(0), True),
        (timedelta(hours=24), True),
        (timedelta(hours=24, milliseconds=1), False),
        (-timedelta(milliseconds=1), False),
    ],
    ids=["same-millisecond", "24h", "24h-and-1ms", "click-after-the-order"],
)
async def test_the_attribution_window_includes_its_edges(
    store: Any, after_the_click: timedelta, attributed: bool
) -> None:
    traffic = await ShopTraffic.create(store, "acme")
    await traffic.send(FIRST.customer, MORNING, clicked("product", "85123A"))
    await traffic.order(FIRST, MORNING + after_the_click)
    await drain(PlacementRollup(store))
    revenue = {"GBP": Decimal("15.30")} if attributed else {}
    assert await table(store) == {"product": (0, 1, int(attributed), revenue, 0, int(attributed))}


async def test_bots_count_for_nothing(store: Any) -> None:
    traffic = await ShopTraffic.create(store, "acme")
    events = (shown("product", FIRST.products), clicked("product", "85123A"))
    await traffic.send(FIRST.customer, MORNING, *events, client=ROBOT)
    await traffic.order(FIRST, MORNING + MINUTE)
    assert await drain(PlacementRollup(store)) == 2
    assert await table(store) == {}


async def test_placements_the_shop_does_not_have_are_one_row(store: Any) -> None:
    """2,000 forged placement names (the site key is public) add no row of their own: their
    impressions and clicks, and an order after such a click, are counted as "(other)"."""
    traffic = await ShopTraffic.create(store, "acme")
    fakes = [f"fake-{n}" for n in range(2_000)]
    for batch in range(0, len(fakes), 500):
        events = [shown(name, FIRST.products[:1]) for name in fakes[batch : batch + 500]]
        await traffic.send(FIRST.customer, MORNING, *events)
    await traffic.send(FIRST.customer, MORNING, clicked("fake-7", "85123A"))
    await traffic.order(FIRST, MORNING + MINUTE)
    assert await drain(PlacementRollup(store)) == 5 + 1
    rows = await table(store)
    assert list(rows) == [OTHER_PLACEMENT]
    assert rows[OTHER_PLACEMENT] == (2_000, 1, 1, {"GBP": Decimal("15.30")}, 2_000, 1)


async def test_an_order_waits_for_the_events_received_before_it(store: Any) -> None:
    traffic = await ShopTraffic.create(store, "acme")
    await traffic.send(FIRST.customer, MORNING, clicked("product", "85123A"))
    await traffic.order(FIRST, MORNING + MINUTE)
    stuck = StreamReader(store, "acme", "placements", "stuck")
    await stuck.ensure_group()
    assert len(await stuck.read()) == 1  # delivered to a consumer that then stalls
    live = PlacementRollup(store, consumer="live")
    assert await live.run_once() == 0 and await table(store) == {}
    taking_over = PlacementRollup(store, consumer="taking-over", reclaim_after_ms=0)
    assert await drain(taking_over) == 2
    assert (await table(store))["product"][3] == {"GBP": Decimal("15.30")}


async def test_a_shop_sees_only_its_own_figures(store: Any) -> None:
    await real_traffic(store, "acme")
    await ShopTraffic.create(store, "other")
    await drain(PlacementRollup(store))
    assert await table(store, "acme") == EXPECTED and await table(store, "other") == {}


async def test_tail_shares_follow_the_head_they_are_read_with(store: Any) -> None:
    await real_traffic(store)
    await drain(PlacementRollup(store))
    head = HeadItems("v1", frozenset({"85123A", "84029G", "22752"}))
    figures = await placement_figures(store, "acme", OCTOBER, head)
    product, basket = figures.rows[1], figures.rows[0]
    assert (product.shown.tail, product.bought.tail, basket.shown.tail) == (2, 0, 2)
    assert figures.total.shown.tail_share == 0.5 and figures.total.bought.tail_share == 0.0
    assert figures.total.click_through_rate == 2.0


async def test_tail_shares_leave_out_the_ids_the_catalogue_does_not_list(store: Any) -> None:
    await real_traffic(store)
    traffic = await ShopTraffic.of(store, "acme")
    await traffic.send("v-1", MORNING, shown("product", [f"made-up-{n}" for n in range(100)]))
    await drain(PlacementRollup(store))
    head = HeadItems("v1", frozenset({"85123A", "84029G", "22752"}))
    figures = await placement_figures(store, "acme", OCTOBER, head)
    product = figures.rows[1]
    assert (product.shown.items, product.shown.tail) == (104, 2)
    assert figures.total.shown == ItemCounts(108, 4)


async def _hashes(store: Any, placement: str) -> list[dict[str, str]]:
    """The per-product hashes of the placement in October: shown, clicked, bought, revenue."""
    found = (keys.shown_items, keys.clicked_items, keys.bought_items, keys.item_revenue)
    return [await store.hgetall(key("acme", "2026-10", placement)) for key in found]


async def test_ids_the_catalogue_does_not_list_are_one_field_of_each_hash(store: Any) -> None:
    """1,000 forged product ids (the site key is public), shown, clicked and bought after a
    click, add one `(unlisted)` field to each hash; the figures count every one."""
    traffic = await ShopTraffic.create(store, "acme")
    await traffic.catalogue()
    forged = [f"made-up-{n}" for n in range(1_000)]
    shows = [shown("product", [*forged[i : i + 100], "85123A"]) for i in range(0, 1_000, 100)]
    await traffic.send(FIRST.customer, MORNING, *shows, clicked("product", "85123A"))
    for start in (0, 500):
        clicks = [clicked("product", product) for product in forged[start : start + 500]]
        await traffic.send(FIRST.customer, MORNING, *clicks)
    lines = (*FIRST.lines, ("made-up-1", 2, "1.50"), ("made-up-2", 1, "2.25"))
    await traffic.order(dataclasses.replace(FIRST, lines=lines), MORNING + MINUTE)
    await drain(PlacementRollup(store))
    assert await _hashes(store, "product") == [
        {"85123A": "10", "(unlisted)": "1000"},
        {"85123A": "1", "(unlisted)": "1000"},
        {"85123A": "1", "(unlisted)": "2"},
        {"GBP|85123A": "15300000", "GBP|(unlisted)": "5250000"},
    ]
    revenue = {"GBP": Decimal("20.55")}  # 6 x 2.55 + 2 x 1.50 + 2.25
    assert await table(store) == {"product": (10, 1_001, 1, revenue, 1_010, 3)}


async def test_a_variants_id_is_counted_under_its_product(store: Any) -> None:
    traffic = await ShopTraffic.create(store, "acme")
    heart = Product(
        "85123A", "Heart", "https://shop.example/h", "2.55", "GBP", variants=("85123A-RED",)
    )
    await CatalogStore(store, "acme").import_rows(_one(heart), replace=False)
    events = (shown("product", ["85123A-RED", "85123A"]), clicked("product", "85123A-RED"))
    await traffic.send(FIRST.customer, MORNING, *events)
    await drain(PlacementRollup(store))
    assert await _hashes(store, "product") == [{"85123A": "2"}, {"85123A": "1"}, {}, {}]


class ClusterTraffic(ShopTraffic):
    """The test cluster keeps no append-only file: orders are stored, though not confirmed
    on disk (as `OrderStore` documents)."""

    async def order(
        self, invoice: Invoice, placed_at: datetime, visitor: str | None = None
    ) -> None:
        with pytest.raises(DurabilityUnsupported):
            await super().order(invoice, placed_at, visitor)


@pytest.mark.slow
async def test_the_rollup_runs_on_a_cluster(cluster: Any) -> None:
    shops = ("acme", "beta", "gamma")  # on different nodes
    for shop in shops:
        await widget_traffic(await ClusterTraffic.create(cluster, shop))
    assert await drain(PlacementRollup(cluster)) == 3 * 8
    for shop in shops:
        assert await table(cluster, shop) == EXPECTED


async def test_an_order_naming_a_variant_counts_for_its_product(store: Any) -> None:
    traffic = await ShopTraffic.create(store, "acme")
    heart = Product(
        "85123A", "Heart", "https://shop.example/h", "2.55", "GBP", variants=("85123A-RED",)
    )
    await CatalogStore(store, "acme").import_rows(_one(heart), replace=False)
    variant_lines = tuple(("85123A-RED" if c == "85123A" else c, q, p) for c, q, p in FIRST.lines)
    await traffic.send(FIRST.customer, MORNING, clicked("product", "85123A"))
    await traffic.order(dataclasses.replace(FIRST, lines=variant_lines), MORNING + MINUTE)
    await drain(PlacementRollup(store))
    assert await table(store) == {"product": (0, 1, 1, {"GBP": Decimal("15.30")}, 0, 1)}
    bought = await store.zrange(events_keys.bought("acme", FIRST.customer), 0, -1)
    assert "85123A" in bought and "85123A-RED" not in bought


async def _one(product: Product) -> AsyncIterator[SourceRow]:
    yield SourceRow(1, {**product.as_dict(), "variants": list(product.variants)})
