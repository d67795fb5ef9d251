"""The /verify page in headless Chromium (Debian's chromium + chromium-driver, Selenium):
the QR link of a valid certificate shows every check passing; a pasted, tampered
certificate shows which checks failed; a pasted proof bundle goes to /v1/verify/event."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .live import Live, live_service

pytestmark = pytest.mark.browser
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-dev-shm-usage")


def _binaries() -> tuple[str, str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        pytest.skip("Debian chromium and chromium-driver are not installed "
                    "(scripts/setup.sh --dev installs them)")
    return browser, driver


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    binary, driver_path = _binaries()
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    # An explicit driver path: Selenium Manager then downloads nothing.
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    with live_service(tmp_path) as service:
        yield service


def _results(driver: Any) -> tuple[bool, dict[str, bool | None]]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 60).until(
        lambda d: d.find_element(By.ID, "verdict").get_attribute("data-valid") is not None)
    valid = driver.find_element(By.ID, "verdict").get_attribute("data-valid") == "true"
    rows = driver.find_elements(By.CSS_SELECTOR, "#checks tbody tr")
    marks = {"true": True, "false": False, "null": None}
    return valid, {r.get_attribute("data-check"): marks[r.get_attribute("data-ok")]
                   for r in rows}


def _paste_and_verify(driver: Any, url: str, doc: dict[str, Any]) -> tuple[bool, dict]:
    from selenium.webdriver.common.by import By

    driver.get(url + "/verify")
    driver.execute_script("document.getElementById('input').value = arguments[0];",
                          json.dumps(doc, ensure_ascii=False))
    driver.find_element(By.ID, "verify").click()
    return _results(driver)


def test_qr_link_shows_every_check_passing(browser: Any, live: Live) -> None:
    out = live.issue()
    browser.get(out["verify_url"])
    valid, checks = _results(browser)
    assert valid is True, checks
    # Everything this service can read passes; only the Fabric registry (none configured)
    # is reported as not checked, never as passed.
    assert checks and all(ok is not False for ok in checks.values()), checks
    assert [name for name, ok in checks.items() if ok is None] == ["fabric.status"]
    for name in ("signature", "validity_window", "evidence.inclusion",
                 "evidence.header_signature", "evidence.anchor", "status", "token.locked",
                 "token.uri_matches"):
        assert checks.get(name) is True, name
    from selenium.webdriver.common.by import By

    assert "验证通过" in browser.find_element(By.ID, "verdict").text
    assert out["number"] in browser.find_element(By.ID, "summary").text


def test_pasted_certificate_valid_then_tampered(browser: Any, live: Live) -> None:
    out = live.issue()
    valid, checks = _paste_and_verify(browser, live.url, out["credential"])
    assert valid is True and all(ok is not False for ok in checks.values()), checks
    tampered = copy.deepcopy(out["credential"])
    tampered["credentialSubject"]["creditRating"]["grade"] = "AAA"
    tampered["validUntil"] = "2099-01-01T00:00:00Z"
    valid, checks = _paste_and_verify(browser, live.url, tampered)
    assert valid is False
    assert checks["signature"] is False
    assert checks["evidence.matches"] is False
    assert checks["evidence.inclusion"] is True  # the evidence itself is still genuine
    from selenium.webdriver.common.by import By

    text = browser.find_element(By.ID, "verdict").text
    assert "INVALID" in text and "Signature" in text
    failed_rows = browser.find_elements(By.CSS_SELECTOR, "#checks tbody tr.fail")
    assert {r.get_attribute("data-check") for r in failed_rows} == \
        {n for n, ok in checks.items() if ok is False}


def test_revoked_certificate_shows_status_failed(browser: Any, live: Live) -> None:
    out = live.issue()
    assert live.http.post(f"/v1/certificates/{out['id']}/revoke",
                          json={"reason": "test"}).status_code == 200
    browser.get(out["verify_url"])
    valid, checks = _results(browser)
    assert valid is False
    assert checks["status"] is False and checks["signature"] is True


def test_pasted_proof_bundle_uses_the_event_verifier(browser: Any, live: Live) -> None:
    out = live.issue()
    bundle = out["credential"]["evidence"][0]["proofBundle"]
    valid, checks = _paste_and_verify(browser, live.url, bundle)
    assert valid is True and checks.get("inclusion") is True, checks
    broken = copy.deepcopy(bundle)
    broken["event"]["payload"]["score"] = 1000
    valid, checks = _paste_and_verify(browser, live.url, broken)
    assert valid is False and checks["commitment"] is False
