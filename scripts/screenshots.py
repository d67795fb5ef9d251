#!/usr/bin/env python3
"""Screenshots of the portal: each role's main page, on the demo's story, as small PNGs.

Starts the service on a free local port (fresh SQLite ledger in a temporary
folder, batcher and the embedded EVM anchor running), records the story over
the HTTP API (ledger_service.cli.portal_story), then drives Debian's headless
Chromium through each role and saves docs/portal-<role>.png (downscaled to
half size when Pillow is installed). Run from the repository root:

    .venv/bin/python scripts/screenshots.py [--out docs]
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

from ledger_service.api.app import create_app
from ledger_service.api.server import BackgroundServer, free_port
from ledger_service.cli.portal_story import create_keys, record_story
from ledger_service.core.config import Settings
from ledger_service.evidence.story import ENTERPRISES
from ledger_service.pipeline.ledgers import evm_backend
from ledger_service.runtime.context import LedgerContext

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-dev-shm-usage", "--hide-scrollbars")
WIDTH, HEIGHT = 1280, 1000
WAIT = 30


class ScreenshotError(RuntimeError):
    """Chromium, its driver or Selenium is missing, or a page never showed what it should."""


def _driver() -> Any:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if browser is None or driver_path is None:
        raise ScreenshotError("Debian chromium and chromium-driver are needed "
                              "(scripts/setup.sh --dev installs them)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as exc:
        raise ScreenshotError("selenium is needed (scripts/setup.sh --dev)") from exc
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={WIDTH},{HEIGHT}")
    return webdriver.Chrome(service=Service(executable_path=driver_path), options=options)


def _wait(driver: Any, css: str) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.CSS_SELECTOR, css))


def _sign_in(driver: Any, url: str, token: str, lang: str) -> None:
    driver.get(url + "/")
    driver.execute_script("sessionStorage.clear(); sessionStorage.setItem('portal.lang', "
                          "arguments[0]);", lang)
    driver.get(url + "/")
    _wait(driver, "#token").send_keys(token)
    _wait(driver, "#signin-button").click()
    _wait(driver, "#who-role[data-role]")


def _save(driver: Any, path: Path) -> int:
    """The viewport as a PNG, halved and palette-reduced when Pillow is there."""
    png = driver.get_screenshot_as_png()
    try:
        from PIL import Image
    except ImportError:
        path.write_bytes(png)
        return len(png)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.resize((image.width // 2, image.height // 2), Image.LANCZOS)
    image = image.quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    image.save(path, optimize=True)
    return path.stat().st_size


def take(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ledger-screens-") as tmp:
        port = free_port()
        ctx = LedgerContext.open(Settings(
            data_dir=Path(tmp), database_url=None, signing_key=None, batch_max_events=64,
            batch_max_seconds=0.2, public_url=f"http://127.0.0.1:{port}"))
        ctx.backends.append(evm_backend(ctx))
        tokens = create_keys(ctx)
        driver = None
        try:
            with BackgroundServer(create_app(ctx), port=port) as url, \
                    httpx.Client(base_url=url, timeout=60) as client:
                ids = record_story(client, tokens)
                driver = _driver()
                return _shoot(driver, url, tokens, ids, out)
        finally:
            if driver is not None:
                driver.quit()
            ctx.close()


def _shoot(driver: Any, url: str, tokens: dict[str, str], ids: dict[str, Any],
           out: Path) -> list[Path]:
    saved = []
    e1 = ENTERPRISES[0].uscc

    def shot(name: str) -> None:
        path = out / f"portal-{name}.png"
        size = _save(driver, path)
        saved.append(path)
        print(f"{path} ({size // 1024} KiB)")

    _sign_in(driver, url, tokens[e1], "zh")
    _wait(driver, "#cert-table tr[data-id] .verify-cert").click()
    _wait(driver, ".verify-panel .verdict[data-verdict]")
    driver.execute_script("window.scrollTo(0, 0)")
    shot("enterprise")

    _sign_in(driver, url, tokens["bank"], "en")
    _wait(driver, "#lookup-uscc").send_keys(e1)
    _wait(driver, "#lookup-button").click()
    _wait(driver, f"#trail-table tr[data-id='{ids['approved:LN-2026-0001']}'] .provenance").click()
    _wait(driver, "#graph svg.graph")
    driver.execute_script("document.getElementById('graph').scrollIntoView()")
    shot("bank")

    _sign_in(driver, url, tokens["auditor"], "en")
    _wait(driver, "#tab-proof").click()
    _wait(driver, "#proof-event").send_keys(ids["approved:LN-2026-0001"])
    _wait(driver, "#proof-open").click()
    _wait(driver, ".verify-panel .verify-run").click()
    _wait(driver, ".verify-panel .verdict[data-verdict]")
    driver.execute_script("document.querySelector('.verify-panel .verdict').scrollIntoView()")
    shot("auditor")

    _sign_in(driver, url, tokens["platform"], "zh")
    _wait(driver, "#key-org").send_keys("bank-of-xiamen")
    _wait(driver, "#key-create").click()
    _wait(driver, "#new-token")
    shot("platform")
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs"), help="folder for the PNGs")
    args = parser.parse_args()
    try:
        take(args.out)
    except ScreenshotError as exc:
        print(f"screenshots: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
