"""The dashboard in real headless Chromium against a real server process."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.conftest import ADMIN_TOKEN, admin_headers
from tests.servers import free_port
from tests.widget.conftest import PASSWORD, SHOPS, seed_accounts
from tests.widget.dashboard.cdp import CHROMIUM, Browser
from widget.platform.embedded import socket_path

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium"),
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "dashboard"
PAGES = (
    "uplift?period=2026-10",
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
