from __future__ import annotations

import asyncio
import time
from typing import Any

import numpy as np
import pytest
from starlette.testclient import TestClient

from tests.conftest import admin_headers
from tests.widget.conftest import log_in
from widget.catalog.feeds import Feed, FeedStore
from widget.platform.settings import Settings
from widget.platform.store import connect

PAGES = {
    "uplift": "/dashboard/shops/shop-a/uplift?period=2026-10",
    "integration": "/dashboard/shops/shop-a/integration",
    "catalogue": "/dashboard/shops/shop-a/catalogue",
    "invoices": "/dashboard/shops/shop-a/invoices",
    "invoice": "/dashboard/shops/shop-a/invoices/2026-10",
    "team": "/dashboard/shops/shop-a/team",
}


def test_the_uplift_page_has_the_arms_the_chart_and_the_fee(web: TestClient) -> None:
    log_in(web, "admin@a.example")
    page = web.get(PAGES["uplift"])
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    for text in ("Treatment", "Holdout", "Sample-ratio check", "<svg", "Total so far", "EUR"):
        assert text in page.text, text
    # the fee in one sentence: what was measured and why this amount
    assert '<p class="statement">In October 2026, ' in page.text


def test_the_invoice_page_says_the_fee_in_one_sentence(web: TestClient) -> None:
    log_in(web, "finance@a.example")
    page = web.get(PAGES["invoice"]).text
    assert '<p class="statement">In October 2026, ' in page and "visitors were measured" in page


def test_the_integration_page_fills_in_the_site_key(web: TestClient) -> None:
    log_in(web, "admin@a.example")
    site_key = web.get("/v1/admin/shops/shop-a", headers=admin_headers()).json()["site_key"]
    page = web.get(PAGES["integration"]).text
    assert site_key in page and "No event arrived in the last hour" in page


def test_the_snippet_loads_from_the_public_url_whatever_the_host(web: TestClient) -> None:
    log_in(web, "admin@a.example")
    page = web.get(PAGES["integration"], headers={"Host": "evil.example"}).text
    assert "http://127.0.0.1:8000/js/loader.js" in page and "evil.example" not in page


def test_the_catalogue_page_shows_the_current_model_version_from_the_store(
    web: TestClient,
) -> None:
    log_in(web, "admin@a.example")
    assert "No model trained for this shop yet" in web.get(PAGES["catalogue"]).text
    models = web.app.state.services.models  # type: ignore[attr-defined]
    arrays = {"x": np.arange(3)}
    portal: Any = web.portal
    version = portal.call(models.save, "shop-a", arrays, {"shop": "shop-a", "events": 857})
    page = web.get(PAGES["catalogue"]).text
    assert f"<p>Version {version} learned from 857 events.</p>" in page
    assert "trained before Basketlift measured each training on the shop&#39;s own data" in page


def test_invoices_download_as_csv_and_pdf(web: TestClient) -> None:
    log_in(web, "finance@a.example")
    csv = web.get("/dashboard/shops/shop-a/invoices/2026-10.csv")
    assert csv.headers["content-type"].startswith("text/csv") and "INV-shop-a-000001" in csv.text
    pdf = web.get("/dashboard/shops/shop-a/invoices/2026-10.pdf")
    assert pdf.content.startswith(b"%PDF-")


@pytest.mark.parametrize("name", PAGES)
def test_each_page_is_served_within_300_ms(web: TestClient, name: str) -> None:
    log_in(web, "admin@a.example")
    web.get(PAGES[name])
    started = time.perf_counter()
    assert web.get(PAGES[name]).status_code == 200
    elapsed_ms = (time.perf_counter() - started) * 1000
    print(f"{name}: {elapsed_ms:.1f} ms")
    assert elapsed_ms < 300


def test_the_catalogue_page_says_no_training_was_recorded_yet(web: TestClient) -> None:
    log_in(web, "admin@a.example")
    page = web.get(PAGES["catalogue"]).text
    assert "<h2>Automatic retraining</h2>" in page and "none recorded" in page
    assert "The last attempt" not in page


def test_the_catalogue_page_shows_the_feed_and_its_last_sync(
    web: TestClient, settings: Settings
) -> None:
    async def register() -> None:
        redis = await connect(settings.redis_url or "")
        feeds = FeedStore(redis, lambda: 4_000_000_000.0)  # due long after the test
        feed = Feed("https://shop.example/feed.xml", 360)
        await feeds.register("shop-a", feed)
        await feeds.record(
            "shop-a",
            feed,
            {
                "at": "2027-01-15T08:00:00+00:00",
                "ok": False,
                "error": "https://shop.example/feed.xml answered HTTP 404, not 200",
            },
        )
        await redis.aclose()

    asyncio.run(register())
    log_in(web, "admin@a.example")
    page = web.get(PAGES["catalogue"]).text
    assert "<code>https://shop.example/feed.xml</code>, synced every 360 minutes" in page
    assert (
        "2027-01-15T08:00:00+00:00: failed: https://shop.example/feed.xml answered HTTP 404" in page
    )
