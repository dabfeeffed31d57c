"""The dashboard in real headless Chromium against a real server process."""

from __future__ import annotations

import asyncio
import base64
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

from tests.conftest import ADMIN_TOKEN, admin_headers
from tests.servers import free_port
from tests.widget.catalog.samples import as_json, online_retail
from tests.widget.conftest import PASSWORD, SHOPS, seed_accounts
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


def test_log_in_and_visit_every_page(server: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser = Browser()
    try:
        browser.open(f"{server}/dashboard/shops/shop-a/uplift")
        fill = (
            f"document.getElementById('email').value = 'admin@a.example';"
            f"document.getElementById('password').value = {json.dumps(PASSWORD)};"
            "document.querySelector('form.form').submit()"
        )
        browser.submit(fill)
        body = browser.evaluate("document.querySelector('main').innerText")
        assert browser.evaluate("location.pathname") == "/dashboard/shops/shop-a/uplift", body
        for page in PAGES:
            browser.open(f"{server}/dashboard/shops/shop-a/{page}")
            assert browser.evaluate("document.querySelector('h1') !== null")
            name = page.split("?")[0].replace("/", "-")
            browser.screenshot(SCREENSHOTS / f"{name}.png")
            if page.startswith("uplift"):
                drawn = "document.querySelectorAll('svg.chart polyline').length"
                assert browser.evaluate(drawn) == 1
        assert browser.errors == []
    finally:
        browser.close()


def _catalogue_with_images(data_dir: Path, server: str) -> None:
    """Shop-a's products: one with an image the server has, one without, one whose image
    cannot load."""
    rows = [dict(row) for row in online_retail(3)]
    rows[0]["image_url"] = f"{server}/dashboard/static/favicon.svg"
    rows[2]["image_url"] = "https://images.invalid/lost.jpg"

    async def body() -> AsyncIterator[bytes]:
        yield as_json(rows)

    async def run() -> None:
        store = await connect(f"unix://{socket_path(data_dir)}")
        await CatalogStore(store, "shop-a").import_upload(body(), "json")
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
