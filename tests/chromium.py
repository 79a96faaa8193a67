"""Real Chromium (headless) for tests, driven over the DevTools protocol (CDP).

Tests that need it call :func:`chromium_or_skip`; on CI (``CI=true``) a missing Chromium is a
failure, never a silent skip. :class:`Browser` loads a page and keeps what happened: console
errors, exceptions, every request the page made; it takes screenshots and prints PDFs.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--mute-audio"]

# paper (inches) for Page.printToPDF
PAPER_INCHES = {"a4": (8.27, 11.69), "letter": (8.5, 11.0)}


def chromium_path() -> str | None:
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_or_skip() -> str:
    path = chromium_path()
    if path:
        return path
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("Chromium is required on CI: scripts/install-test-deps installs Debian's "
                    "chromium")
    pytest.skip("Chromium is not installed; scripts/install-test-deps installs it")


@dataclass
class Load:
    """What loading one page did."""

    url: str
    errors: list[str] = field(default_factory=list)  # console errors, exceptions, log errors
    requests: list[str] = field(default_factory=list)  # every URL the page asked for


class Browser:
    """One headless Chromium with one tab, for the length of a ``with`` block."""

    def __init__(self, width: int = 1100, height: int = 900):
        self.exe = chromium_or_skip()
        self.width, self.height = width, height
        self._id = 0
        self._events: list[dict[str, Any]] = []

    def __enter__(self) -> Browser:
        import websocket  # websocket-client

        self._profile = tempfile.mkdtemp(prefix="sheetladder-chromium-")
        self.proc = subprocess.Popen(
            [self.exe, *FLAGS, f"--user-data-dir={self._profile}", "--remote-debugging-port=0",
             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self._profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self._stop()
                pytest.fail("Chromium did not start (no DevToolsActivePort)")
            time.sleep(0.1)
        port, path = port_file.read_text().splitlines()[:2]
        self.ws = websocket.create_connection(f"ws://127.0.0.1:{port}{path}", timeout=60,
                                              suppress_origin=True)
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target,
                                                           "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride", {
            "width": self.width, "height": self.height, "deviceScaleFactor": 1,
            "mobile": False}, session=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop()

    def _stop(self) -> None:
        try:
            if getattr(self, "ws", None) is not None:
                self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            shutil.rmtree(self._profile, ignore_errors=True)

    # -- the protocol
    def call(self, method: str, params: dict[str, Any] | None = None,
             session: bool = False) -> dict[str, Any]:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        self.ws.send(json.dumps(msg))
        while True:
            got = json.loads(self.ws.recv())
            if got.get("id") == self._id:
                if "error" in got:
                    raise RuntimeError(f"{method}: {got['error']}")
                return dict(got.get("result", {}))
            if "method" in got:
                self._events.append(got)

    def _wait_event(self, name: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not any(e["method"] == name for e in self._events):
            if time.monotonic() > deadline:
                raise TimeoutError(name)
            got = json.loads(self.ws.recv())
            if "method" in got:
                self._events.append(got)

    # -- what tests use
    def load(self, page: Path) -> Load:
        """Open ``page`` (a file) and wait until it has loaded, with what happened on the way."""
        self._events.clear()
        url = page.resolve().as_uri()
        self.call("Page.navigate", {"url": url}, session=True)
        self._wait_event("Page.loadEventFired")
        self.evaluate("1")  # let events queued during the load arrive
        out = Load(url=url)
        for e in self._events:
            m, p = e["method"], e.get("params", {})
            if m == "Network.requestWillBeSent":
                out.requests.append(p["request"]["url"])
            elif m == "Runtime.exceptionThrown":
                out.errors.append(f"exception: {p['exceptionDetails'].get('text')}")
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.errors.append(f"console.{p['type']}: {p.get('args')}")
            elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
                out.errors.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}")
            elif m == "Network.loadingFailed":
                out.errors.append(f"request failed: {p.get('errorText')}")
        return out

    def evaluate(self, expression: str) -> Any:
        got = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                        session=True)
        if "exceptionDetails" in got:
            raise RuntimeError(f"{expression}: {got['exceptionDetails']}")
        return got["result"].get("value")

    def screenshot(self, full_page: bool = False) -> bytes:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
            h = int(self.evaluate("document.documentElement.scrollHeight"))
            params["clip"] = {"x": 0, "y": 0, "width": self.width, "height": min(h, 6000),
                              "scale": 1}
        return base64.b64decode(self.call("Page.captureScreenshot", params, session=True)["data"])

    def pdf(self, paper: str) -> bytes:
        w, h = PAPER_INCHES[paper]
        got = self.call("Page.printToPDF", {"paperWidth": w, "paperHeight": h,
                                            "printBackground": True, "marginTop": 0,
                                            "marginBottom": 0, "marginLeft": 0,
                                            "marginRight": 0}, session=True)
        return base64.b64decode(got["data"])

    def printed_width(self, width: int) -> int:
        """How wide the page lays out with print styles in a ``width``-pixel-wide page: more
        than ``width`` means something would be cut off on paper."""
        self.call("Emulation.setEmulatedMedia", {"media": "print"}, session=True)
        self.call("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
            session=True)
        try:
            return int(self.evaluate("Math.max(document.documentElement.scrollWidth, "
                                     "document.body.scrollWidth)"))
        finally:
            self.call("Emulation.setEmulatedMedia", {"media": ""}, session=True)
            self.call("Emulation.setDeviceMetricsOverride", {
                "width": self.width, "height": self.height, "deviceScaleFactor": 1,
                "mobile": False}, session=True)

    def press_tab(self) -> None:
        for kind in ("keyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", {"type": kind, "key": "Tab", "code": "Tab",
                                                 "windowsVirtualKeyCode": 9}, session=True)
