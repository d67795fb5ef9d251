"""The portal in headless Chromium (Debian's chromium + chromium-driver, Selenium), on the
demo's story recorded over the real HTTP API with batcher and EVM anchoring running.

Each role's main path, as a user sees it: the enterprise downloads its certificate PDF;
the bank opens the provenance graph of an approval (every edge passes) and of an approval
recorded after its consent was revoked (the failing check is named); the auditor verifies
a bundle in the browser and a tampered one fails on commitment; the platform creates and
revokes a key. Bad input shows a readable message. The page's verifier and the Python
verifier agree, check by check, on genuine and tampered bundles and certificates.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledger_proof.bundle import BundleFormatError, verify_bundle
from ledger_proof.certificates.verify import CertificateFormatError, verify_certificate
from ledger_proof.signing import b64d, key_id_of
from ledger_service.api.app import create_app
from ledger_service.api.server import BackgroundServer, free_port
from ledger_service.cli.portal_story import REVOKED_LOAN, create_keys, record_story
from ledger_service.evidence.story import BANK_ORG, ENTERPRISES, loan_event
from ledger_service.pipeline.ledgers import evm_backend
from ledger_service.runtime.context import LedgerContext

from .certificates.test_browser import CHROMIUM_FLAGS, _binaries
from .conftest import make_settings

pytestmark = pytest.mark.browser
E1, E2, E3 = (e.uscc for e in ENTERPRISES)
WAIT = 20


class Portal:
    """The running service, its keys and the story's ids."""

    def __init__(self, ctx: LedgerContext, url: str, tokens: dict[str, str],
                 ids: dict[str, Any]) -> None:
        self.ctx, self.url, self.tokens, self.ids = ctx, url, tokens, ids
        self.key = ctx.key.public_key_b64

    def get(self, path: str, who: str) -> httpx.Response:
        return httpx.get(self.url + path, headers={"Authorization": f"Bearer {self.tokens[who]}"},
                         timeout=30)


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    port = free_port()
    ctx = LedgerContext.open(make_settings(tmp_path_factory.mktemp("portal"),
                                           public_url=f"http://127.0.0.1:{port}",
                                           batch_max_events=64, batch_max_seconds=0.2))
    ctx.backends.append(evm_backend(ctx))
    tokens = create_keys(ctx)
    try:
        with BackgroundServer(create_app(ctx), port=port) as url, \
                httpx.Client(base_url=url, timeout=60) as client:
            ids = record_story(client, tokens)
            yield Portal(ctx, url, tokens, ids)
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def driver(downloads: Path) -> Iterator[Any]:
    binary, driver_path = _binaries()
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument("--window-size=1280,900")
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False})
    chrome = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    chrome.set_page_load_timeout(60)
    chrome.execute_cdp_cmd("Browser.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": str(downloads)})
    yield chrome
    chrome.quit()


# ------------------------------------------------------------------ helpers


def by_css(driver: Any, css: str) -> Any:
    from selenium.webdriver.common.by import By

    return wait_until(driver, lambda d: d.find_element(By.CSS_SELECTOR, css))


def all_css(driver: Any, css: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, css)


def wait_until(driver: Any, condition: Any) -> Any:
    """Wait for condition, looking again when the page re-rendered under it."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT, ignored_exceptions=(
        NoSuchElementException, StaleElementReferenceException)).until(condition)


def sign_in(driver: Any, portal: Portal, who: str, lang: str = "zh") -> None:
    driver.get(portal.url + "/")
    driver.execute_script(
        "sessionStorage.clear(); sessionStorage.setItem('portal.lang', arguments[0]);", lang)
    driver.get(portal.url + "/")
    field = by_css(driver, "#token")
    field.clear()
    field.send_keys(portal.tokens[who])
    by_css(driver, "#signin-button").click()
    wait_until(driver, lambda d: d.find_element("id", "who").is_displayed())


def tab(driver: Any, name: str) -> None:
    by_css(driver, f"#tab-{name}").click()
    by_css(driver, f"#panel-{name}")


def message(driver: Any, scope: str = "") -> str:
    box = wait_until(driver, lambda d: next(
        (m for m in d.find_elements("css selector", f"{scope} .message, {scope} #message")
         if m.is_displayed() and m.text.strip()), None))
    return box.text


def verdict_of(driver: Any, panel: Any) -> tuple[str, dict[str, str]]:
    verdict = wait_until(driver, lambda d: (v := panel.find_element(
        "css selector", ".verdict")).get_attribute("data-verdict") and v)
    rows = panel.find_elements("css selector", "tr[data-check]")
    return verdict.get_attribute("data-verdict"), {
        r.get_attribute("data-check"): r.get_attribute("data-status") for r in rows}


def unlabelled_controls(driver: Any) -> list[str]:
    """Form controls without a label[for] (keyboard and screen-reader users need one)."""
    return driver.execute_script("""
        return [...document.querySelectorAll('input, select, textarea')]
          .filter(e => e.offsetParent !== null && e.type !== 'hidden')
          .filter(e => !(e.id && document.querySelector(`label[for="${e.id}"]`)))
          .map(e => e.outerHTML.slice(0, 80));""")


# ------------------------------------------------------------------ the roles' main paths


def test_sign_in_shows_role_and_org_and_tells_a_bad_key(driver: Any, portal: Portal) -> None:
    driver.get(portal.url + "/")
    driver.execute_script("sessionStorage.clear();")
    driver.get(portal.url + "/")
    by_css(driver, "#token").send_keys("lk_not-a-key")
    by_css(driver, "#signin-button").click()
    assert "吊销" in message(driver) or "revoked" in message(driver)
    assert not driver.find_element("id", "who").is_displayed()
    sign_in(driver, portal, "bank", lang="en")
    assert by_css(driver, "#who-role").get_attribute("data-role") == "bank"
    assert by_css(driver, "#who-org").text == BANK_ORG
    assert by_css(driver, "h1").text == "Credit evidence ledger"
    by_css(driver, "#lang").click()
    wait_until(driver, lambda d: d.find_element("css selector", "h1").text == "信用证据账本")
    assert by_css(driver, "#who-role").text == "银行"
    token = driver.execute_script("return sessionStorage.getItem('portal.token')")
    assert token == portal.tokens["bank"]
    assert driver.get_cookies() == []
    by_css(driver, "#sign-out").click()
    wait_until(driver, lambda d: d.find_element("id", "signin").is_displayed())
    assert driver.execute_script("return sessionStorage.getItem('portal.token')") is None


def test_enterprise_downloads_its_certificate_pdf(driver: Any, portal: Portal,
                                                  downloads: Path) -> None:
    sign_in(driver, portal, E1)
    row = by_css(driver, f"#cert-table tr[data-id='{portal.ids['certificate']['id']}']")
    assert row.get_attribute("data-status") == "active"
    score = portal.ids[f"payload:{E1}"]  # the model's score of the shipped inputs
    assert score["grade"] in row.text and str(score["score"]) in row.text
    row.find_element("css selector", ".download-pdf").click()
    number = portal.ids["certificate"]["number"]
    target = downloads / f"{number}.pdf"
    deadline = time.monotonic() + WAIT
    while not (target.exists() and target.stat().st_size > 1000) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert target.read_bytes()[:5] == b"%PDF-"
    # Verified in place: the signature, the evidence and the status list, in the page.
    row.find_element("css selector", ".verify-cert").click()
    panel = by_css(driver, ".verify-panel")
    verdict, checks = verdict_of(driver, panel)
    assert verdict == "VALID", checks
    assert checks["issuer"] == "pass" and checks["status"] == "pass"
    assert checks["evidence.anchor.evm"] == "not_checked"
    tab(driver, "consents")
    rows = all_css(driver, "#consent-table tr[data-id]")
    assert [r.get_attribute("data-state") for r in rows] == ["live"]
    assert unlabelled_controls(driver) == []


def _open_provenance(driver: Any, uscc: str, approval: str) -> Any:
    field = by_css(driver, "#lookup-uscc")
    field.clear()
    field.send_keys(uscc)
    by_css(driver, "#lookup-button").click()
    by_css(driver, f"#trail-table tr[data-id='{approval}'] .provenance").click()
    svg = by_css(driver, "#graph svg.graph")
    wait_until(driver, lambda d: approval in d.find_element("css selector", "#graph h2").text)
    return svg


def test_bank_sees_the_provenance_graph_pass_then_a_revoked_consent_fail(
        driver: Any, portal: Portal) -> None:
    sign_in(driver, portal, "bank")
    approval = portal.ids["approved:LN-2026-0001"]
    svg = _open_provenance(driver, E1, approval)
    edges = svg.find_elements("css selector", "g.edge")
    assert len(edges) == 3  # score, consent, and the score's model registration
    assert {e.get_attribute("data-verdict") for e in edges} == {"valid"}
    assert by_css(driver, "#graph-verdict").get_attribute("data-verdict") == "valid"
    nodes = svg.find_elements("css selector", "g.node")
    assert {n.get_attribute("data-verdict") for n in nodes} == {"valid"} and len(nodes) == 4
    assert "consent_live_at_approval" in svg.text and "latest_score" in svg.text
    nodes[0].send_keys("\n")  # keyboard: a node opens its checks
    by_css(driver, ".node-detail tr[data-check='proof_verifies']")

    bad = portal.ids[f"approved:{REVOKED_LOAN}"]
    svg = _open_provenance(driver, E3, bad)
    assert by_css(driver, "#graph-verdict").get_attribute("data-verdict") == "invalid"
    failing = [e for e in svg.find_elements("css selector", "g.edge")
               if e.get_attribute("data-verdict") == "invalid"]
    assert len(failing) == 1
    assert failing[0].find_element("css selector", "tspan.fail").get_attribute(
        "data-check") == "consent_live_at_approval"
    reasons = all_css(driver, "#graph ul.reasons li")
    assert [r.get_attribute("data-code") for r in reasons] == ["consent_live_at_approval"]
    assert "revoked" in reasons[0].text
    assert unlabelled_controls(driver) == []


def _late_approval(portal: Portal, loan: str, hours: float) -> str:
    """An approval of E1's loan resting on its score, dated hours after the story's start."""
    r = httpx.post(portal.url + "/v1/events", json=loan_event(
        "loan.approved", E1, loan, [portal.ids[f"score:{E1}"], portal.ids[f"consent:{E1}"]],
        hours, amount_fen=100_000_00, rate_bp=400),
        headers={"Authorization": f"Bearer {portal.tokens['bank']}"}, timeout=30)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_bank_sees_risk_alerts_and_score_marks(driver: Any, portal: Portal) -> None:
    sign_in(driver, portal, "bank", lang="en")
    # The trail shows the yellow alert with its level badge and indicators.
    alert = portal.ids[f"alert:{E2}"]
    field = by_css(driver, "#lookup-uscc")
    field.clear()
    field.send_keys(E2)
    by_css(driver, "#lookup-button").click()
    row = by_css(driver, f"#trail-table tr[data-id='{alert}']")
    badge = row.find_element("css selector", ".level")
    assert badge.get_attribute("data-level") == "yellow" and badge.text == "yellow alert"
    assert "customer_concentration" in row.find_element("css selector", ".indicators").text
    approval = portal.ids["approved:LN-2026-0002"]
    marks = by_css(driver, f"#trail-table tr[data-id='{approval}']").find_elements(
        "css selector", ".mark")
    assert [m.get_attribute("data-mark") for m in marks] == ["yellow_alert_live"]
    # Its approval's provenance lists the alert live at the approval; still valid.
    _open_provenance(driver, E2, approval)
    assert by_css(driver, "#graph-verdict").get_attribute("data-verdict") == "valid"
    live = all_css(driver, "#alerts-at-approval li")
    assert [li.get_attribute("data-alert") for li in live] == [alert]
    assert live[0].get_attribute("data-level") == "yellow"
    assert [li.get_attribute("data-check") for li in all_css(driver, "#score-marks li")] == [
        "yellow_alert_live"]
    # A score 100 hours old at the approval: stale, a warning; 800 hours: expired, failing.
    stale = _late_approval(portal, "LN-2026-0010", 100)
    expired = _late_approval(portal, "LN-2026-0011", 800)
    for event_id, check, css, verdict in ((stale, "score_stale", "status-warn", "valid"),
                                          (expired, "score_expired", "status-fail", "invalid")):
        wait_until(driver, lambda d, e=event_id: portal.get(f"/v1/events/{e}", "bank"
                                                            ).json()["status"] != "pending")
        _open_provenance(driver, E1, event_id)
        assert by_css(driver, "#graph-verdict").get_attribute("data-verdict") == verdict
        item = by_css(driver, f"#score-marks li[data-check='{check}']")
        assert css in item.get_attribute("class")
        assert by_css(driver, "#alerts-at-approval").text == \
            "No risk alert was live at the approval."
    # The Chinese page says the same in Chinese.
    sign_in(driver, portal, "bank", lang="zh")
    _open_provenance(driver, E2, approval)
    assert by_css(driver, "#alerts-at-approval li .level").text == "黄色预警"
    assert unlabelled_controls(driver) == []


def test_auditor_verifies_a_bundle_and_a_tampered_one_fails_on_commitment(
        driver: Any, portal: Portal) -> None:
    sign_in(driver, portal, "auditor")
    by_css(driver, "#batch-table tr[data-seq]")
    rows = all_css(driver, "#batch-table tr[data-seq]")
    assert rows and "evm" in rows[0].text and "block" in rows[0].text
    tab(driver, "proof")
    by_css(driver, "#proof-event").send_keys(portal.ids["approved:LN-2026-0001"])
    by_css(driver, "#proof-open").click()
    panel = by_css(driver, ".verify-panel")
    panel.find_element("css selector", ".verify-run").click()
    verdict, checks = verdict_of(driver, panel)
    assert verdict == "VALID"
    assert checks == {"commitment": "pass", "leaf_hash": "pass", "inclusion": "pass",
                      "header_hash": "pass", "header_signature": "pass",
                      "anchor.evm": "not_checked"}
    driver.execute_script("""
        const box = arguments[0].querySelector('.verify-input');
        const doc = JSON.parse(box.value);
        doc.event.payload.rate_bp += 1;
        box.value = JSON.stringify(doc, null, 2);""", panel)
    panel.find_element("css selector", ".verify-run").click()
    wait_until(driver, lambda d: panel.find_element(
        "css selector", ".verdict").get_attribute("data-verdict") == "INVALID")
    _, checks = verdict_of(driver, panel)
    assert checks["commitment"] == "fail"
    assert [n for n, s in checks.items() if s == "fail"] == ["commitment"]
    assert "commitment" in panel.find_element("css selector", ".verdict").text
    # With no key pinned the genuine proof is not VALID, whatever it carries inside.
    driver.execute_script("""
        const box = arguments[0].querySelector('.verify-input');
        const doc = JSON.parse(box.value);
        doc.event.payload.rate_bp -= 1;
        box.value = JSON.stringify(doc);""", panel)
    from selenium.webdriver.support.ui import Select

    Select(panel.find_element("css selector", ".pin-mode")).select_by_value("none")
    panel.find_element("css selector", ".verify-run").click()
    wait_until(driver, lambda d: panel.find_element(
        "css selector", ".verdict").get_attribute("data-verdict") == "UNVERIFIED")
    assert verdict_of(driver, panel)[1]["header_signature"] == "not_checked"


def test_platform_creates_and_revokes_a_key(driver: Any, portal: Portal) -> None:
    sign_in(driver, portal, "platform")
    from selenium.webdriver.support.ui import Select

    Select(by_css(driver, "#key-role")).select_by_value("bank")
    by_css(driver, "#key-org").send_keys("bank-of-xiamen")
    by_css(driver, "#key-label").send_keys("created in the portal")
    by_css(driver, "#key-create").click()
    token = by_css(driver, "#new-token").text
    assert token.startswith("lk_")
    who = httpx.get(portal.url + "/v1/whoami", headers={"Authorization": f"Bearer {token}"})
    assert who.status_code == 200 and who.json()["org"] == "bank-of-xiamen"
    key_id = who.json()["key_id"]
    row = by_css(driver, f"#key-table tr[data-key-id='{key_id}']")
    assert row.get_attribute("data-revoked") == "false"
    assert token not in by_css(driver, "#key-table").text  # listed without its token
    row.find_element("css selector", ".revoke-key").click()
    wait_until(driver, lambda d: d.find_element(
        "css selector", f"#key-table tr[data-key-id='{key_id}']").get_attribute(
        "data-revoked") == "true")
    gone = httpx.get(portal.url + "/v1/whoami", headers={"Authorization": f"Bearer {token}"})
    assert gone.status_code == 401
    tab(driver, "orgs")
    by_css(driver, "#org-name").send_keys("bank-of-quanzhou")
    by_css(driver, "#org-key").send_keys("not base64!")
    by_css(driver, "#org-add").click()
    assert "Ed25519" in message(driver, "#panel-orgs")
    assert unlabelled_controls(driver) == []


def test_bad_input_is_told_in_the_page(driver: Any, portal: Portal) -> None:
    sign_in(driver, portal, "auditor", lang="en")
    tab(driver, "verify")
    panel = by_css(driver, ".verify-panel")
    box = panel.find_element("css selector", ".verify-input")

    def attempt(text: str, key: str | None = None) -> str:
        driver.execute_script("arguments[0].value = arguments[1];", box, text)
        from selenium.webdriver.support.ui import Select

        Select(panel.find_element("css selector", ".pin-mode")).select_by_value(
            "paste" if key is not None else "service")
        if key is not None:
            field = panel.find_element("css selector", ".pin-key")
            field.clear()
            field.send_keys(key)
        panel.find_element("css selector", ".verify-run").click()
        return message(driver, "#panel-verify")

    assert "Not valid JSON" in attempt('{"version": 1, ')
    assert "Neither a certificate nor a proof bundle" in attempt("[1, 2, 3]")
    assert "Not a v1 proof bundle" in attempt('{"version": 1, "commitment": "00"}')
    assert "integers only" in attempt('{"version": 1, "x": 1.5}')
    bundle = portal.get(f"/v1/events/{portal.ids['approved:LN-2026-0001']}/proof",
                        "auditor").json()
    assert "Not a base64 Ed25519 public key" in attempt(json.dumps(bundle), key="abc$")
    assert "32 bytes" in attempt(json.dumps(bundle), key="AAAA")

    # A 403 from the API: the bank holds no live consent of this enterprise.
    sign_in(driver, portal, "bank", lang="en")
    field = by_css(driver, "#lookup-uscc")
    field.clear()
    field.send_keys(_unconsented())
    by_css(driver, "#lookup-button").click()
    text = message(driver, "#panel-lookup")
    assert "Not allowed" in text and "no_consent" in text

    # A network error: the browser is offline.
    driver.set_network_conditions(offline=True, latency=0, download_throughput=-1,
                                  upload_throughput=-1)
    try:
        by_css(driver, "#lookup-button").click()
        wait_until(driver, lambda d: "Network error" in message(d, "#panel-lookup"))
    finally:
        driver.delete_network_conditions()
    assert driver.find_element("css selector", "body").text.strip()


def _unconsented() -> str:
    """A valid code the bank holds no consent of (and that has no records at all)."""
    from ledger_service.evidence.uscc import make_uscc

    return make_uscc("91350600MA4XYK789")


def test_phone_width_has_no_horizontal_scroll(driver: Any, portal: Portal) -> None:
    try:
        driver.set_window_size(390, 844)
        for who, check in (("auditor", "#batch-table"), (E1, "#cert-table"),
                           ("platform", "#key-table")):
            sign_in(driver, portal, who)
            by_css(driver, check)
            width = driver.execute_script("return document.documentElement.scrollWidth")
            inner = driver.execute_script("return window.innerWidth")
            assert width <= inner, (who, width, inner)
    finally:
        driver.set_window_size(1280, 900)


def test_verify_page_checks_in_the_browser_beside_the_server(driver: Any,
                                                              portal: Portal) -> None:
    """/verify (no sign-in) verifies the pasted document in the page itself, against the
    service's published key, next to the server's second opinion."""
    bundle = portal.get(f"/v1/events/{portal.ids['approved:LN-2026-0001']}/proof",
                        "auditor").json()

    def local(doc: Any) -> tuple[str, dict[str, str]]:
        driver.get(portal.url + "/verify")
        driver.execute_script("document.getElementById('input').value = arguments[0];",
                              json.dumps(doc, ensure_ascii=False))
        by_css(driver, "#verify").click()
        verdict = wait_until(driver, lambda d: (v := d.find_element(
            "id", "local-verdict")).get_attribute("data-verdict") and v)
        rows = all_css(driver, "#local-checks tbody tr")
        return verdict.get_attribute("data-verdict"), {
            r.get_attribute("data-check"): r.get_attribute("data-status") for r in rows}

    verdict, checks = local(bundle)
    assert verdict == "VALID" and checks["header_signature"] == "pass", checks
    tampered = copy.deepcopy(bundle)
    tampered["event"]["payload"]["amount_fen"] += 100
    verdict, checks = local(tampered)
    assert verdict == "INVALID" and checks["commitment"] == "fail"
    assert by_css(driver, "#verdict").get_attribute("data-valid") == "false"  # the server agrees
    verdict, checks = local(portal.ids["certificate"]["credential"])
    assert verdict == "VALID", checks
    assert checks["issuer"] == "pass" and checks["status"] == "pass"
    verdict, _ = local({"hello": "world"})
    assert verdict == "ERROR"
    assert "neither a certificate nor a proof bundle" in by_css(driver, "#local-verdict").text


# ------------------------------------------------------------------ verifier parity


def _mutations(doc: Any) -> list[tuple[str, Any]]:
    """The document with each field changed in turn, and with each object key removed."""
    out: list[tuple[str, Any]] = []

    def changed(value: Any) -> Any:
        if isinstance(value, bool):
            return not value
        if isinstance(value, int):
            return value + 1
        if isinstance(value, str):
            return (value[:-1] + ("1" if value[-1:] == "0" else "0")) if value else "x"
        if value is None:
            return "x"
        return None

    def walk(value: Any, path: tuple[Any, ...]) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                out.append(("del " + "/".join(map(str, (*path, key))), _without(doc, path, key)))
                walk(sub, (*path, key))
        elif isinstance(value, list):
            for i, sub in enumerate(value):
                walk(sub, (*path, i))
        else:
            out.append(("set " + "/".join(map(str, path)), _replaced(doc, path, changed(value))))

    walk(doc, ())
    return out


def _without(doc: Any, path: tuple[Any, ...], key: str) -> Any:
    copied = copy.deepcopy(doc)
    target = copied
    for step in path:
        target = target[step]
    del target[key]
    return copied


def _replaced(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    copied = copy.deepcopy(doc)
    target = copied
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copied


_RUN_JS = """
const [docs, kind, key, fetchStatus, done] = arguments;
import('/portal/portal-verify.js').then(async (m) => {
  const out = [];
  const pinned = key ? {[await m.keyIdOf(m.parsePublicKey(key))]: key} : null;
  const statusFetcher = fetchStatus ? m.sameOriginStatusFetcher() : null;
  for (const doc of docs) {
    try {
      const r = kind === 'bundle' ? await m.verifyBundle(doc, {pinned})
                                  : await m.verifyCertificate(doc, {pinned: key, statusFetcher});
      out.push({verdict: r.verdict, checks: r.checks.map(c => [c.name, c.status])});
    } catch (e) {
      out.push({error: e.name});
    }
  }
  done(out);
}).catch((e) => done([{error: 'import: ' + e}]));
"""


def _python(kind: str, doc: Any, key: str | None, fetch: Any = None) -> dict[str, Any]:
    """The Python verifier (ledger_proof) on the same document with the same pinned key,
    offline: no ledger, no token contract; the status list only through ``fetch``."""
    try:
        if kind == "bundle":
            verdict = verify_bundle(doc, pinned_keys={key_id_of(b64d(key)): key} if key else None)
        else:
            verdict = verify_certificate(doc, trusted_keys=[b64d(key)] if key else None,
                                         status_fetcher=fetch)
    except BundleFormatError:
        return {"error": "BundleFormatError"}
    except CertificateFormatError:
        return {"error": "CertificateFormatError"}
    return {"verdict": verdict.verdict, "checks": [[c.name, c.status] for c in verdict.checks]}


@pytest.mark.parametrize("kind", ["bundle", "certificate"])
def test_browser_verifier_matches_python_on_every_tampered_field(
        driver: Any, portal: Portal, kind: str) -> None:
    """Every field of a genuine document changed in turn, and every key removed: the
    page's verifier and ledger_proof give the same status for every check, in the same
    order, and the same verdict, with the service key pinned and with nothing pinned;
    both refuse the same non-documents."""
    driver.get(portal.url + "/")
    driver.set_script_timeout(120)
    if kind == "bundle":
        genuine = portal.get(f"/v1/events/{portal.ids['approved:LN-2026-0001']}/proof",
                             "auditor").json()
    else:
        genuine = portal.ids["certificate"]["credential"]
    cases = [("genuine", genuine), *_mutations(genuine)]
    assert len(cases) > (40 if kind == "bundle" else 120)
    docs = [doc for _, doc in cases]
    differences = []
    verdicts: dict[str, int] = {}
    for key in (portal.key, None):
        results = driver.execute_async_script(_RUN_JS, docs, kind, key, False)
        assert len(results) == len(cases), results[:1]
        for (label, doc), browser in zip(cases, results, strict=True):
            python = _python(kind, doc, key)
            if python != browser:
                differences.append((label, "pinned" if key else "unpinned", python, browser))
            verdicts[browser.get("verdict", "error")] = verdicts.get(
                browser.get("verdict", "error"), 0) + 1
        assert results[0]["verdict"] == ("VALID" if key else "UNVERIFIED"), results[0]
    assert differences == [], "\n".join(map(str, differences))
    assert verdicts["INVALID"] > len(cases)  # the mutations do break things, pinned or not
    assert verdicts.get("error", 0) > 0  # and some make it no document at all


def test_status_list_read_in_the_page_matches_python(driver: Any, portal: Portal) -> None:
    """The page fetches this service's own status list; both verifiers read the same bit,
    before and after the certificate is revoked."""
    driver.get(portal.url + "/")
    issued = httpx.post(f"{portal.url}/v1/enterprises/{E2}/certificates", json={},
                        headers={"Authorization": f"Bearer {portal.tokens['platform']}"},
                        timeout=60).json()

    def fetch(url: str) -> dict[str, Any]:
        return httpx.get(url, timeout=30).json()

    for revoked in (False, True):
        if revoked:
            assert httpx.post(f"{portal.url}/v1/certificates/{issued['id']}/revoke",
                              json={"reason": "test"}, timeout=60, headers={
                                  "Authorization": f"Bearer {portal.tokens['platform']}"}
                              ).status_code == 200
        for key in (portal.key, None):
            browser = driver.execute_async_script(_RUN_JS, [issued["credential"]],
                                                  "certificate", key, True)[0]
            python = _python("certificate", issued["credential"], key, fetch)
            assert browser == python
            status = dict(browser["checks"])["status"]
            assert status == ("fail" if revoked else "pass" if key else "not_checked")
