"""A tiny Chrome DevTools Protocol client: headless Chromium driven over its websocket."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

CHROMIUM = Path("/usr/bin/chromium")


class Browser:
    """One headless Chromium with one page; console errors and exceptions are collected."""

    def __init__(self) -> None:
        self._profile = tempfile.TemporaryDirectory()
        self.process = subprocess.Popen(
            [
                str(CHROMIUM), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--remote-debugging-port=0", f"--user-data-dir={self._profile.name}",
                "--no-first-run", "--window-size=1280,1600", "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its helper processes go with it, by process group
        )  # fmt: skip
        self._stack = contextlib.ExitStack()
        self._ids = itertools.count(1)
        self.errors: list[str] = []
        try:
            port = self._port()
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as listing:
                page = next(t for t in json.load(listing) if t["type"] == "page")
            self._socket: ClientConnection = self._stack.enter_context(
                connect(page["webSocketDebuggerUrl"], max_size=None)
            )
            for domain in ("Page", "Runtime", "Log"):
                self.send(f"{domain}.enable")
        except BaseException:
            self.close()
            raise

    def _port(self) -> int:
        active = Path(self._profile.name) / "DevToolsActivePort"
        deadline = time.monotonic() + 20
        while not active.exists() or not active.read_text().strip():
            assert self.process.poll() is None and time.monotonic() < deadline, "no Chromium"
            time.sleep(0.05)
        return int(active.read_text().split()[0])

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self._ids)
        self._socket.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv(timeout=20))
            if message.get("id") == ident:
                assert "error" not in message, message
                result: dict[str, Any] = message["result"]
                return result
            self._note(message)

    def _note(self, message: dict[str, Any]) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.consoleAPICalled" and params["type"] == "error":
            self.errors.append(str(params["args"]))
        elif method == "Runtime.exceptionThrown":
            self.errors.append(str(params["exceptionDetails"]))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.errors.append(params["entry"]["text"])

    def wait_for(self, event: str) -> None:
        while True:
            message = json.loads(self._socket.recv(timeout=20))
            self._note(message)
            if message.get("method") == event:
                return

    def open(self, url: str) -> None:
        self.send("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def submit(self, expression: str) -> None:
        """Run `expression` that submits a form, and wait for the next page to load."""
        self.evaluate(expression)
        self.wait_for("Page.loadEventFired")

    def viewport(self, width: int, height: int, mobile: bool = False) -> None:
        """Lay pages out as a screen `width` CSS pixels wide (a phone's, with `mobile`)."""
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=mobile,
        )

    def screenshot(self, path: Path) -> None:
        """The whole page, as wide as the viewport and as long as the page."""
        size = self.send("Page.getLayoutMetrics")["cssContentSize"]
        width = self.evaluate("window.innerWidth")
        clip = {"x": 0, "y": 0, "width": width, "height": size["height"], "scale": 1}
        shot = self.send(
            "Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip
        )
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        self._stack.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=20)
        self._profile.cleanup()
