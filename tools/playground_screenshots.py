"""Make the playground screenshots of docs/playground.md (``make playground-screenshots``).

Starts ``npmlp playground`` on a free port, drives Debian's chromium with Playwright through
a few experiments and writes each picture to docs/images/. Every experiment is seeded, so a
rerun gives the same pictures up to where training was paused.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

IMAGES = Path(__file__).resolve().parents[1] / "docs" / "images"
READY = "() => window.npmlpPlayground.frame !== null"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "npmlp", "playground", "--port", str(port)])
    end = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/options", timeout=1)
            return server
        except OSError:
            if time.monotonic() > end or server.poll() is not None:
                server.kill()
                raise SystemExit("npmlp playground did not start") from None
            time.sleep(0.2)


def train_until(page, condition: str, timeout: int = 60_000) -> None:
    """Play until ``condition`` (a JS expression over the frame ``f``) holds, then pause."""
    page.click("#play")
    test = f"() => {{ const f = window.npmlpPlayground.frame; return {condition}; }}"
    page.wait_for_function(test, timeout=timeout)
    page.click("#play")
    page.wait_for_function("() => window.npmlpPlayground.status !== 'playing'")
    page.wait_for_timeout(300)


def shoot(page, base: str) -> None:
    # the whole page: three-class spirals
    page.goto(base + "?data=spirals&classes=3&noise=0.1&layers=8:tanh,8:tanh&lr=0.03")
    page.wait_for_function(READY)
    train_until(page, "Number(f.last.val_loss) < 0.15")
    page.screenshot(path=str(IMAGES / "playground.png"), full_page=True)

    # the output panel after a Keras check (15 epochs of the same spirals)
    page.goto(base + "?data=spirals&classes=3&noise=0.1&layers=8:tanh,8:tanh&lr=0.03")
    page.wait_for_function(READY)
    for _ in range(15):
        page.click("#step")
    page.wait_for_function("() => window.npmlpPlayground.frame.epoch === 15")
    page.click("#check")
    page.wait_for_function("() => document.getElementById('check-result').className !== 'note'",
                           timeout=120_000)
    page.locator(".panel.output").screenshot(path=str(IMAGES / "playground-output.png"))

    # the network: circles with squared features
    page.goto(base + "?data=circles&features=x1,x2,x1%5E2,x2%5E2&layers=4:relu,2:tanh")
    page.wait_for_function(READY)
    train_until(page, "f.epoch >= 30")
    page.locator(".panel.network").screenshot(path=str(IMAGES / "playground-network.png"))

    # batch normalization and dropout on moons
    page.goto(base + "?data=moons&noise=0.2&layers=8:relu:bn:d0.2,6:tanh:d0.1")
    page.wait_for_function(READY)
    train_until(page, "f.epoch >= 40")
    page.locator(".panel.network").screenshot(path=str(IMAGES / "playground-dropout.png"))

    # divergence
    page.goto(base + "?data=xor&opt=sgd&lr=10&layers=32:relu,32:relu,32:relu")
    page.wait_for_function(READY)
    page.click("#play")
    page.wait_for_function("() => window.npmlpPlayground.status === 'diverged'")
    page.wait_for_timeout(300)
    page.screenshot(path=str(IMAGES / "playground-diverged.png"),   # the message, on top
                    clip={"x": 0, "y": 0, "width": 1280, "height": 260})


def main() -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("needs Debian's chromium: apt-get install -y chromium")
    port = free_port()
    server = start_server(port)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium,
                                        args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 820})
            shoot(page, f"http://127.0.0.1:{port}/")
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    print(f"wrote the playground screenshots to {IMAGES}")


if __name__ == "__main__":
    main()
