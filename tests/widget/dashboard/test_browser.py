"""The dashboard in real headless Chromium against a real server process."""

from __future__ import annotations

import asyncio
import base64
import datetime
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx2
import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from billing import Arm, record_exposure, record_order, record_visit
from tests.conftest import ADMIN_TOKEN, admin_headers
from tests.servers import free_port
from tests.widget.catalog.samples import as_json, online_retail
from tests.widget.conftest import PASSWORD, SHOPS, invitation_token, seed_accounts
from tests.widget.dashboard.cdp import CHROMIUM, Browser
from widget.catalog import CatalogStore
from widget.platform.embedded import socket_path
from widget.platform.store import connect

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium"),
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "dashboard"
PAGES = (
    "uplift?period=2026-10",
    "placements?period=2026-10",
    "long-tail?period=2026-10",
    "products?period=2026-10",
    "integration",
    "catalogue",
    "invoices",
    "invoices/2026-10",
    "team",
)
WIDTHS = (1280, 390)
NOVEMBER = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A real uvicorn process with the app and its embedded store; its base URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASKETLIFT_")}
    env |= {"BASKETLIFT_DATA_DIR": str(tmp_path / "data"), "BASKETLIFT_ADMIN_TOKEN": ADMIN_TOKEN}
    command = [sys.executable, "-m", "uvicorn", "widget.app:create_app"]
    process = subprocess.Popen(
        [*command, "--factory", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://localhost:{port}"  # a secure context: Chromium keeps Secure cookies
    try:
        with httpx2.Client(base_url=base, timeout=10) as http:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if http.get("/readyz").status_code == 200:
                        break
                except httpx2.TransportError:
                    pass
                assert process.poll() is None and time.monotonic() < deadline, "no server"
                time.sleep(0.1)
            for shop in SHOPS:
                body = {"name": shop.title(), "id": shop, "origins": ["https://shop.example"]}
                http.post("/v1/admin/shops", json=body, headers=admin_headers())
        asyncio.run(seed_accounts(f"unix://{socket_path(tmp_path / 'data')}"))
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def log_in(browser: Browser, server: str) -> None:
    browser.open(f"{server}/dashboard/shops/shop-a/uplift")
    fill = (
        f"document.getElementById('email').value = 'admin@a.example';"
        f"document.getElementById('password').value = {json.dumps(PASSWORD)};"
        "document.querySelector('form.form').submit()"
    )
    browser.submit(fill)
    body = browser.evaluate("document.querySelector('main').innerText")
    assert browser.evaluate("location.pathname") == "/dashboard/shops/shop-a/uplift", body


def test_every_page_at_1280_and_390_px_fits_its_screen(server: str, tmp_path: Path) -> None:
    """Screenshots of every page at both widths; at 390 px nothing is wider than the screen,
    with the catalogue's products and the team's pending invitations shown."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    _catalogue_with_images(tmp_path / "data", server)
    url = f"unix://{socket_path(tmp_path / 'data')}"
    invitation_token(url, "a-rather-long-address-of-a-new-colleague@finance.a.example")
    browser = Browser()
    try:
        log_in(browser, server)
        too_wide, lines = {}, {}
        for width in WIDTHS:
            browser.viewport(width, 800, mobile=width < 800)
            for page in PAGES:
                browser.open(f"{server}/dashboard/shops/shop-a/{page}")
                assert browser.evaluate("document.querySelector('h1') !== null")
                name = page.split("?")[0].replace("/", "-")
                browser.screenshot(SCREENSHOTS / f"{name}-{width}.png")
                scroll_width = browser.evaluate("document.documentElement.scrollWidth")
                if scroll_width > width:
                    too_wide[f"{name}-{width}"] = scroll_width
                if page in ("catalogue", "team"):
                    shown = {"catalogue": ".thumb", "team": "input[value=revoke]"}[page]
                    assert browser.evaluate(f"document.querySelector({shown!r}) !== null"), page
                if page.startswith("uplift"):
                    drawn = "document.querySelectorAll('svg.chart polyline').length"
                    lines[width] = browser.evaluate(drawn)
        assert too_wide == {}
        assert lines == {1280: 3, 390: 3}  # the lift, and each arm by day
        # only the catalogue's lost image, once at each width
        assert browser.errors == ["Failed to load resource: net::ERR_NAME_NOT_RESOLVED"] * 2
    finally:
        browser.close()


async def _one_day(url: str) -> None:
    """Three visitors in each arm of shop-a on 3 November 2026, some of them buying."""
    store = await connect(url)
    day = datetime.date(2026, 11, 3)
    rows: list[tuple[Arm, int]] = [("treatment", r) for r in (1000, 0, 0)]
    rows += [("holdout", r) for r in (5000, 0, 3000)]
    for index, (arm, revenue) in enumerate(rows):
        visitor = f"november-{index}"
        await record_exposure(store, "shop-a", visitor, arm, NOVEMBER)
        await record_visit(store, "shop-a", visitor, day, exposed=True)
        if revenue:
            await record_order(store, "shop-a", visitor, day, revenue, entry_id=f"n{index}")
    await store.aclose()


# Where each chart's dots are, against its zero line (y grows downwards).
DOTS = """[...document.querySelectorAll('svg.chart')].map(chart => ({
  id: chart.id,
  zero: chart.querySelector('line.zero').getBBox().y,
  dots: [...chart.querySelectorAll('circle.estimate')].map(dot => {
    const box = dot.getBBox(); return {y: box.y + box.height / 2, size: box.width};
  }),
  bars: [...chart.querySelectorAll('line.interval')].map(bar => bar.getBBox().height),
}))"""


def test_one_day_of_data_draws_its_point_and_interval(server: str, tmp_path: Path) -> None:
    asyncio.run(_one_day(f"unix://{socket_path(tmp_path / 'data')}"))
    browser = Browser()
    try:
        log_in(browser, server)
        browser.open(f"{server}/dashboard/shops/shop-a/uplift?period=2026-11")
        charts = {chart["id"]: chart for chart in browser.evaluate(DOTS)}
        lift = charts["cumulative-lift"]
        # the difference is 3.33 - 26.67 = -23.33 EUR a visitor: a dot below the zero line
        [dot] = lift["dots"]
        assert dot["size"] > 0 and dot["y"] > lift["zero"] + 10
        assert len(lift["bars"]) == 1 and lift["bars"][0] > 10
        daily = charts["daily-revenue"]
        assert len(daily["dots"]) == 2 and all(bar > 10 for bar in daily["bars"])
        text = browser.evaluate("document.querySelector('main').innerText")
        assert "treatment minus holdout, is -€23.33 in 2026-11" in text
        assert browser.errors == []
    finally:
        browser.close()


def test_a_dashboard_address_that_does_not_exist_is_a_page(server: str) -> None:
    browser = Browser()
    try:
        browser.viewport(390, 800, mobile=True)
        log_in(browser, server)
        browser.open(f"{server}/dashboard/shops/shop-a/no-such-page")
        assert browser.evaluate("document.querySelector('h1').innerText") == "Not available"
        text = browser.evaluate("document.querySelector('main').innerText")
        assert "There is no page at this address." in text
        browser.screenshot(SCREENSHOTS / "not-found-390.png")
        assert browser.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        browser.close()


def _catalogue_with_images(data_dir: Path, server: str) -> None:
    """Shop-a's products, in place of those seeded: one with an image the server has, one
    without, one whose image cannot load."""
    rows = [dict(row) for row in online_retail(3)]
    rows[0]["image_url"] = f"{server}/dashboard/static/favicon.svg"
    rows[2]["image_url"] = "https://images.invalid/lost.jpg"

    async def body() -> AsyncIterator[bytes]:
        yield as_json(rows)

    async def run() -> None:
        store = await connect(f"unix://{socket_path(data_dir)}")
        await CatalogStore(store, "shop-a").import_upload(body(), "json", replace=True)
        await store.aclose()

    asyncio.run(run())


def _thumb_pixels(browser: Browser, row: int) -> npt.NDArray[np.int16]:
    box = browser.evaluate(
        f"(() => {{ const r = document.querySelectorAll('.thumb')[{row}].getBoundingClientRect();"
        " return [r.x + scrollX, r.y + scrollY, r.width, r.height]; })()"
    )
    clip = dict(zip(("x", "y", "width", "height"), box, strict=True)) | {"scale": 1}
    shot = browser.send("Page.captureScreenshot", format="png", clip=clip)
    image = Image.open(io.BytesIO(base64.b64decode(shot["data"]))).convert("RGB")
    return np.asarray(image, dtype=np.int16)


def test_catalogue_images_show_and_none_is_a_broken_icon(server: str, tmp_path: Path) -> None:
    _catalogue_with_images(tmp_path / "data", server)
    browser = Browser()
    try:
        browser.open(f"{server}/dashboard/login")
        fill = (
            "document.getElementById('email').value = 'analyst@a.example';"
            f"document.getElementById('password').value = {json.dumps(PASSWORD)};"
            "document.querySelector('form.form').submit()"
        )
        browser.submit(fill)
        browser.open(f"{server}/dashboard/shops/shop-a/catalogue")
        time.sleep(0.5)  # the unreachable image's lookup fails
        images = "[...document.querySelectorAll('.thumb img')].map(i => i.naturalWidth)"
        # by product id: 71053 without an image, 84406B's lost, 85123A's from the server
        lost, found = browser.evaluate(images)
        assert lost == 0 and found > 0
        placeholder = "getComputedStyle(document.querySelectorAll('.thumb')[0]).backgroundImage"
        assert "placeholder.svg" in browser.evaluate(placeholder)
        # the lost image shows what no image shows: the placeholder, no broken icon (up to
        # the smoothing of a box at another fraction of a pixel; the icon differs by >100)
        none = _thumb_pixels(browser, 0)
        assert np.abs(_thumb_pixels(browser, 1) - none).max() <= 16
        assert np.abs(_thumb_pixels(browser, 2) - none).max() > 100
    finally:
        browser.close()
