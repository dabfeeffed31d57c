"""The demo from start to end: data, store, shop, server, two replays around training,
invoicing, offline metrics; then serving until interrupted.

The first share of the visits is replayed before any model exists (the widgets fall back
to trending items and the catalogue); the models are trained on what it recorded, the
server is restarted and ready once it has loaded them (a running server would switch
within seconds, serving the fallbacks meanwhile), and the rest of the visits see
recommendations from the trained models.
"""

from __future__ import annotations

import asyncio
import datetime
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from billing.periods import Period
from engine.basket_evaluation import BasketEvaluation
from engine.errors import EmptyData
from engine.model_store import ModelStore
from engine.training import TrainingResult
from widget.demo.catalogue import product_url, upload_catalogue
from widget.demo.evaluation import evaluate_orders
from widget.demo.invoicing import IssuedInvoices, issue_month, wait_for_ledger
from widget.demo.replay import Replay, ReplayCounts
from widget.demo.retail import (
    RetailData,
    RetailOrder,
    RetailProduct,
    RetailSource,
    SourceChoice,
    find_source,
    read_retail,
)
from widget.demo.server import DemoServer
from widget.demo.shop import DemoShop, create_demo_shop
from widget.demo.visits import VisitPlan, plan_visits
from widget.platform.embedded import EmbeddedStore
from widget.platform.store import connect
from widget.platform.training import train_with_progress

# A visit of more is a wholesaler's bulk order, not browsing (and Order Completed events
# list at most 200 products).
MAX_ORDER_PRODUCTS = 100
FIRST_PASS_SHARE = 0.5
SOURCE_TREE = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class DemoOptions:
    orders: int
    add_probability: float
    holdout: float
    seed: int
    data_dir: Path
    host: str
    port: int
    retail: SourceChoice
    serve: bool


@dataclass(frozen=True)
class DemoResult:
    source: RetailSource
    shop: DemoShop
    products_by_id: Mapping[str, RetailProduct]
    orders: Sequence[RetailOrder]
    replayed: ReplayCounts
    training: TrainingResult
    metrics: list[BasketEvaluation] | str
    invoices: IssuedInvoices
    setup_seconds: float

    @property
    def showcase_url(self) -> str:
        """The example shop page of the product in most of the replayed orders."""
        counts = Counter(product for order in self.orders for product in order.product_ids())
        product = self.products_by_id[counts.most_common(1)[0][0]]
        return product_url(self.shop.base_url, self.shop.site_key, product)


def bar(description: str, total: int | None = None, unit: str = "it") -> tqdm[Any]:
    return tqdm(desc=description, total=total, unit=unit, unit_scale=True, file=sys.stderr)


def load_data(source: RetailSource, orders: int) -> RetailData:
    with bar("reading orders", source.path.stat().st_size, "B") as progress:

        def update(done: int) -> None:
            progress.update(done - progress.n)

        return read_retail(source, update, orders, MAX_ORDER_PRODUCTS)


async def _replay(
    shop: DemoShop,
    data: RetailData,
    plans: Sequence[VisitPlan],
    label: str,
) -> ReplayCounts:
    with bar(label, len(plans), "visit") as progress:
        return await Replay(shop, data.products).run(plans, progress.update)


async def run_demo(
    options: DemoOptions, say: Callable[[str], None], report: Callable[[DemoResult], None]
) -> None:
    """Set the demo up, `report` it, then serve until interrupted (unless not `serve`);
    `say` tells what is going on."""
    started = time.perf_counter()
    # `../shared/data` may be beside the working folder, or beside this source tree
    source = find_source(options.retail, (Path.cwd(), SOURCE_TREE))
    say(f"Data: {source.describe()}.")
    data = load_data(source, options.orders)
    orders = data.orders
    plans = plan_visits(orders, options.add_probability, options.seed)
    cut = max(1, int(len(plans) * FIRST_PASS_SHARE))
    store = EmbeddedStore(options.data_dir)
    server = DemoServer(store.url, options.data_dir, options.host, options.port)
    today = datetime.datetime.now(datetime.UTC).date()
    async with AsyncExitStack() as stack:
        redis = await connect(store.start())
        stack.callback(store.stop)
        stack.push_async_callback(redis.aclose)
        stack.callback(server.stop)
        shop = await create_demo_shop(redis, server.base_url, options.holdout, today, len(plans))
        server.start()
        with bar("catalogue", len(data.products), "product") as progress:
            progress.update(await upload_catalogue(shop, data.products.values()))
        replayed = await _replay(shop, data, plans[:cut], "visits before training")
        server.stop()
        training = await train_with_progress(redis, shop.id, ModelStore(redis))
        say("Restarting the server: it is ready once it has loaded and compiled the models.")
        server.start()
        replayed += await _replay(shop, data, plans[cut:], "visits after training")
        with bar("billing ledger", unit="entry") as progress:

            def counted(done: int, total: int) -> None:
                progress.total = total
                progress.update(done - progress.n)

            await wait_for_ledger(redis, shop.id, counted)
        period = Period.of(today)
        invoices = await issue_month(
            redis, shop.id, period, shop.contract.billing_time_zone, options.data_dir / "invoices"
        )
        try:
            metrics: list[BasketEvaluation] | str = evaluate_orders(orders[:cut], orders[cut:])
        except EmptyData as error:
            metrics = str(error)
        report(
            DemoResult(
                source,
                shop,
                data.products,
                orders,
                replayed,
                training,
                metrics,
                invoices,
                time.perf_counter() - started,
            )
        )
        if options.serve:
            await asyncio.to_thread(server.wait)
