"""`ledger demo`: the whole story, end to end, over the real HTTP API.

It prints what happens in words a newcomer follows: who records what, when
batches are sealed and anchored, what a proof contains, that an offline
verifier accepts it, and that changing one stored byte is caught.
"""

from __future__ import annotations

import json
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from sqlalchemy import select, update

from ledger_proof.bundle import verify_bundle
from ledger_service.api.server import BackgroundServer, free_port
from ledger_service.cli.output import print_verdict
from ledger_service.cli.portal_story import StoryFailure, record_scores
from ledger_service.core.config import Settings
from ledger_service.evidence.story import (
    BANK_ORG,
    ENTERPRISES,
    INPUT_FILES,
    PLATFORM_ORG,
    YELLOW_ALERT,
    consent_event,
    demo_inputs,
    loan_event,
)
from ledger_service.runtime.context import LedgerContext
from ledger_service.store.fast import write_transaction
from ledger_service.store.tables import EVENTS

console = Console()


class DemoFailure(Exception):
    """Something the demo expected did not happen."""


def _post(client: httpx.Client, path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
    if r.status_code not in (200, 201):
        raise DemoFailure(f"POST {path} answered {r.status_code}: {r.text}")
    return r.json()


def _record_story(client: httpx.Client, tokens: dict[str, str]) -> dict[str, str]:
    """Post the story; return the ids the rest of the demo talks about."""
    e1, e2, e3 = ENTERPRISES
    try:
        ids: dict[str, Any] = record_scores(client, tokens["platform"])
    except StoryFailure as exc:
        raise DemoFailure(str(exc)) from None
    model = client.get("/v1/models", headers={"Authorization": f"Bearer {tokens['bank']}"}
                       ).json()["models"][0]
    console.print(f"  platform [cyan]{PLATFORM_ORG}[/cyan] registered the scoring model "
                  f"[bold]{model['model_id']} {model['model_version']}[/bold] (sha256 "
                  f"{model['model_hash'][:16]}…, event {model['event_id']}): 28 indicators, "
                  "9 factors, 3 dimensions, integer arithmetic anyone can redo")
    for ent in ENTERPRISES:
        p = ids[f"payload:{ent.uscc}"]
        dims = ", ".join(f"{k} {v / 10:.1f}" for k, v in p["dimensions"].items())
        console.print(f"  scored {ent.name_en} from {INPUT_FILES[ent.uscc]}.json: "
                      f"[bold]{p['score']} {p['grade']}[/bold] ({dims}); the inputs stay off "
                      "the ledger, their salted digest is on it", soft_wrap=True)
    console.print(f"  [yellow]yellow risk alert[/yellow] on {e2.name_en}: "
                  f"{YELLOW_ALERT['reason_code']} ({', '.join(YELLOW_ALERT['indicators'])})")
    for ent in ENTERPRISES:
        consent = _post(client, "/v1/events", tokens[ent.uscc], consent_event(ent.uscc))
        ids[f"consent:{ent.uscc}"] = consent["id"]
    console.print(f"  each enterprise granted [cyan]{BANK_ORG}[/cyan] consent to see its data "
                  "(signed in with its own key)")
    bank = tokens["bank"]
    # The bank pinned the platform's verification key when it joined (here: read once
    # from /v1/keys); it never trusts the key a bundle carries.
    bank_pin = {k["key_id"]: k["public_key"] for k in client.get("/v1/keys").json()["keys"]}
    for ent in ENTERPRISES:
        # A careful bank relies only on a score whose proof exists: it waits for the seal
        # and checks the score's proof before deciding.
        score_id = ids[f"score:{ent.uscc}"]
        if _wait_status(client, bank, score_id, {"sealed", "anchored"}, 60) == "pending":
            raise DemoFailure(f"score {score_id} was never sealed")
        r = client.get(f"/v1/events/{score_id}/proof",
                       headers={"Authorization": f"Bearer {bank}"})
        if r.status_code != 200 or not verify_bundle(r.json(), pinned_keys=bank_pin).valid:
            raise DemoFailure(f"the bank could not verify score {score_id}: {r.text[:200]}")
    console.print(f"  [cyan]{BANK_ORG}[/cyan] fetched and verified each score's proof "
                  "(allowed by the consents)")
    for n, ent in enumerate(ENTERPRISES, start=1):
        loan = f"LN-2026-{n:04d}"
        applied = _post(client, "/v1/events", bank, loan_event(
            "loan.applied", ent.uscc, loan, [], 2 + n, amount_fen=500_000_00 * n,
            currency="CNY", term_months=12, product="credit"))
        ids[f"applied:{loan}"] = applied["id"]
    e1_loan, e2_loan, e3_loan = "LN-2026-0001", "LN-2026-0002", "LN-2026-0003"
    for ent, loan, rate in ((e1, e1_loan, 385), (e2, e2_loan, 345)):
        approved = _post(client, "/v1/events", bank, loan_event(
            "loan.approved", ent.uscc, loan,
            [ids[f"score:{ent.uscc}"], ids[f"consent:{ent.uscc}"]], 30,
            amount_fen=500_000_00 if loan == e1_loan else 1_000_000_00, rate_bp=rate))
        ids[f"approved:{loan}"] = approved["id"]
        _post(client, "/v1/events", bank, loan_event(
            "loan.disbursed", ent.uscc, loan, [approved["id"]], 48,
            amount_fen=500_000_00 if loan == e1_loan else 1_000_000_00))
    _post(client, "/v1/events", bank, loan_event(
        "loan.rejected", e3.uscc, e3_loan, [ids[f"applied:{e3_loan}"]], 30,
        reason_code="score_below_threshold"))
    _post(client, "/v1/events", bank, loan_event(
        "loan.repaid", e1.uscc, e1_loan, [ids[f"approved:{e1_loan}"]], 24 * 30,
        amount_fen=4_300_000))
    _post(client, "/v1/events", bank, loan_event(
        "loan.overdue", e2.uscc, e2_loan, [ids[f"approved:{e2_loan}"]], 24 * 31,
        days_overdue=5))
    console.print(f"  bank [cyan]{BANK_ORG}[/cyan] recorded 3 applications, 2 approvals "
                  "(each citing the score and the consent), 1 rejection, 2 disbursements, "
                  "1 repayment, 1 overdue instalment")
    return ids


def _wait_status(client: httpx.Client, token: str, event_id: str, wanted: set[str],
                 timeout: float) -> str:
    deadline = time.monotonic() + timeout
    status = "?"
    while time.monotonic() < deadline:
        r = client.get(f"/v1/events/{event_id}", headers={"Authorization": f"Bearer {token}"})
        status = r.json()["status"]
        if status in wanted:
            return status
        time.sleep(0.1)
    return status


def _tamper(ctx: LedgerContext, event_id: str) -> str:
    """Change one byte of one stored event, as a rogue operator or a disk fault would."""
    with write_transaction(ctx.engine) as conn:
        body = conn.execute(select(EVENTS.c.body).where(EVENTS.c.id == event_id)).scalar_one()
        text = body.decode()
        needle = '"rate_bp":'
        at = text.index(needle) + len(needle)
        old = text[at]
        new = "1" if old != "1" else "2"
        changed = (text[:at] + new + text[at + 1:]).encode()
        conn.execute(update(EVENTS).where(EVENTS.c.id == event_id).values(body=changed))
    return f'rate_bp digit {old!r} -> {new!r} in the stored approval'


def run_demo(data_dir: Path | None, use_fabric: bool = True, serve: bool = False) -> int:
    """Run the story; 0 when every step behaved as it must (including tampering caught).

    With ``serve`` the service keeps running after the story (the portal, its
    certificate's QR code and status list stay reachable) until Ctrl-C.
    """
    tmp = None
    if data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="ledger-demo-")
        data_dir = Path(tmp.name)
    try:
        return _run(data_dir, use_fabric, serve)
    except DemoFailure as exc:
        console.print(f"[bold red]demo failed:[/bold red] {exc}")
        return 1
    finally:
        if tmp is not None:
            tmp.cleanup()


def _run(data_dir: Path, use_fabric: bool, serve: bool = False) -> int:
    from ledger_service.pipeline.ledgers import attach_backends, demo_fabric, plan_ledgers
    from ledger_service.runtime.node import NodeUnavailable, start_node

    console.print(Panel.fit("[bold]Credit evidence ledger — demo[/bold]\n"
                            "Scores, consents and loan steps become evidence events, sealed "
                            "into signed Merkle batches,\nanchored on a ledger, and proven to "
                            "an auditor who trusts nobody.", border_style="blue"))
    port = free_port()
    settings = Settings(data_dir=data_dir, database_url=None, ledger_id="demo-credit-evidence",
                        batch_max_events=8, batch_max_seconds=0.3, signing_key=None,
                        public_url=f"http://127.0.0.1:{port}", evm_node="auto",
                        evm_node_port=free_port(), evm_rpc_url=None, fabric_profile=None)
    ctx = LedgerContext.open(settings)
    # A shared Fabric channel binds each ledger id to one key for good (rotation is an
    # explicit act), so every demo ledger, with its fresh key, gets an id of its own.
    settings.ledger_id = f"demo-{ctx.key.key_id.split(':')[-1]}"
    console.print(f"[bold]1. Ledger[/bold] {settings.ledger_id} in {data_dir} (SQLite), "
                  f"service key {ctx.key.key_id}")
    found = demo_fabric(console.print) if use_fabric else None
    plan = plan_ledgers(settings, fabric_profile=found[0] if found else None)
    node = None
    if plan.evm_kind == "node":
        try:
            node = start_node(plan)
            console.print(f"  local EVM node (anvil) at {node.url}, chain state in "
                          f"{plan.node.directory}")
        except NodeUnavailable as exc:
            plan = plan_ledgers(settings, fabric_profile=found[0] if found else None,
                                node_error=str(exc))
    if plan.anchors_nowhere:
        console.print(f"  [bold red]anchoring: none[/bold red] — {plan.problem}")
    where = attach_backends(ctx, plan=plan, fabric_backend=found[1] if found else None)
    tokens = {"platform": ctx.keys.create("platform", PLATFORM_ORG)[1],
              "bank": ctx.keys.create("bank", BANK_ORG)[1],
              "auditor": ctx.keys.create("auditor", "cicpa-audit")[1]}
    for ent in ENTERPRISES:
        tokens[ent.uscc] = ctx.keys.create("enterprise", ent.uscc)[1]
    ctx.orgs.add(PLATFORM_ORG, None)
    ctx.orgs.add(BANK_ORG, None)
    console.print("  API keys issued (stored hashed): a platform, a bank, an auditor, "
                  "three enterprises")
    try:
        from ledger_service.api.app import create_app

        with BackgroundServer(create_app(ctx), port=port) as url, \
                httpx.Client(base_url=url, timeout=30) as client:
            console.print(f"[bold]2. Recording evidence[/bold] through the HTTP API at {url}")
            ids = _record_story(client, tokens)
            code = _prove(ctx, client, tokens, ids, data_dir, where)
            if where is not None:
                _certificate_step(client, tokens, data_dir)
            if found is not None:
                console.print("[bold]Fabric[/bold]: the test network is still running (the "
                              "demo leaves it up for the next run); stop it with "
                              "[cyan]scripts/network.sh down[/cyan]")
            if serve:
                _keep_serving(url, tokens)
            return code
    finally:
        ctx.close()
        if node is not None:
            node.stop()


def _keep_serving(url: str, tokens: dict[str, str]) -> None:
    """Keep the service up after the story (portal, QR codes, status list) until Ctrl-C or
    SIGTERM, with one API key per role to sign in with."""
    _serve_portal_banner(url, tokens)

    def stop(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        console.print("stopped")


def _serve_portal_banner(url: str, tokens: dict[str, str]) -> None:
    """The portal's URL and one key per role."""
    orgs = {"platform": PLATFORM_ORG, "bank": BANK_ORG, "auditor": "cicpa-audit"}
    console.print(Panel.fit(f"[bold]Portal[/bold] {url}/  (verification page: {url}/verify)\n"
                            "Sign in with one of these keys; Ctrl-C stops the service.",
                            border_style="green"))
    for who, token in tokens.items():
        role = who if who in orgs else "enterprise"
        org = orgs.get(who, who)
        console.print(f"  {role:<10} {org:<22} {token}", soft_wrap=True, highlight=False)


def _prove(ctx: LedgerContext, client: httpx.Client, tokens: dict[str, str],
           ids: dict[str, str], data_dir: Path, where: str | None) -> int:
    auditor = {"Authorization": f"Bearer {tokens['auditor']}"}
    target = ids["approved:LN-2026-0001"]
    wanted = {"anchored"} if where else {"sealed", "anchored"}
    console.print("[bold]3. Sealing[/bold]: the batcher seals pending events every 0.3 s "
                  "(or every 8 events)" + (f" and the anchor worker writes headers to {where}"
                                           if where else ""))
    status = _wait_status(client, tokens["auditor"], target, wanted, timeout=120)
    if status not in wanted:
        raise DemoFailure(f"the approval is still {status}")
    batches = client.get("/v1/batches", headers=auditor).json()["batches"]
    table = Table("seq", "events", "merkle root", "prev header", "anchors")
    for b in batches:
        h = b["header"]
        receipts = ", ".join(f"{a['backend']} block {a.get('block_number')}" for a in b["anchors"])
        table.add_row(str(h["seq"]), str(h["size"]), h["merkle_root"][:16] + "…",
                      h["prev_header_hash"][:16] + "…", receipts or "—")
    console.print(table)

    console.print(f"[bold]4. A proof[/bold] for the approval of loan LN-2026-0001 ({target})")
    bundle = client.get(f"/v1/events/{target}/proof", headers=auditor).json()
    proofs = data_dir / "proofs"
    proofs.mkdir(exist_ok=True)
    path = proofs / f"{target}.json"
    path.write_text(json.dumps(bundle, indent=2, ensure_ascii=False))
    console.print(f"  written to {path}: event, salt, commitment, leaf, "
                  f"{len(bundle['inclusion']['hashes'])}-step inclusion path, signed header, "
                  f"{len(bundle['anchors'])} anchor receipt(s)")
    keys = {k["key_id"]: k["public_key"] for k in client.get("/v1/keys").json()["keys"]}
    console.print("[bold]5. An auditor verifies it offline[/bold], with the service key "
                  "pinned" + (" and the header read back from the ledger" if where else ""))
    from ledger_service.pipeline.ledgers import own_ledgers

    reader = own_ledgers(ctx)
    verdict = verify_bundle(bundle, pinned_keys=keys, reader=reader).as_dict()
    print_verdict(verdict, console)
    if not verdict["valid"]:
        raise DemoFailure("a genuine proof failed verification")
    pin = " ".join(f"--key {k}" for k in keys.values())
    console.print(f"  the same check from a shell: [cyan]ledger verify {path} {pin}[/cyan] "
                  "(or credit-verify bundle …, from the verifier installed alone)",
                  soft_wrap=True)

    console.print("[bold]6. Provenance[/bold]: was the approval based on a valid consent and a "
                  "score that existed at the time? (asked by the bank)")
    provenance = client.get(f"/v1/enterprises/{ENTERPRISES[0].uscc}/provenance/{target}",
                            headers={"Authorization": f"Bearer {tokens['bank']}"}).json()
    from ledger_service.provenance.view import print_provenance

    print_provenance(provenance, console)
    if provenance.get("verdict") != "valid":
        raise DemoFailure(f"provenance of a good approval was {provenance.get('verdict')}: "
                          f"{provenance.get('reasons')}")

    _alert_and_rescore(client, tokens, ids)

    console.print("[bold]7. Tampering[/bold]: someone edits the stored approval")
    what = _tamper(ctx, target)
    console.print(f"  changed one byte: {what}")
    forged = client.get(f"/v1/events/{target}/proof", headers=auditor).json()
    verdict2 = verify_bundle(forged, pinned_keys=keys, reader=reader).as_dict()
    print_verdict(verdict2, console)
    if verdict2["valid"]:
        raise DemoFailure("the altered event was not detected")
    failed = [c["name"] for c in verdict2["checks"] if c["status"] == "fail"]
    console.print(Panel.fit(
        f"[green]Every genuine proof verified; the altered byte was caught by: "
        f"{', '.join(failed)}.[/green]\nThe auditor's saved bundle still proves what was "
        f"originally recorded{' — and the ledger agrees' if where else ''}.",
        border_style="green"))
    return 0


def _alert_and_rescore(client: httpx.Client, tokens: dict[str, str], ids: dict[str, Any]
                       ) -> None:
    """The second approval rests on a score with a yellow alert live; an auditor
    recomputes a score from the enterprise's inputs and salt, then from altered inputs."""
    e2 = ENTERPRISES[1]
    approval = ids["approved:LN-2026-0002"]
    doc = client.get(f"/v1/enterprises/{e2.uscc}/provenance/{approval}",
                     headers={"Authorization": f"Bearer {tokens['bank']}"}).json()
    node = next(n for n in doc["nodes"] if n["id"] == approval)
    alerts = node.get("alerts_at_approval") or []
    console.print(f"  approval of LN-2026-0002 ({e2.name_en}): verdict [bold]{doc['verdict']}"
                  f"[/bold], alerts live at the approval: "
                  + (", ".join(f"{a['level']} {a['reason_code']}" for a in alerts) or "none"))
    for warning in doc.get("warnings", []):
        console.print(f"  [yellow]note:[/yellow] {warning}", soft_wrap=True)
    if doc["verdict"] != "valid" or not any(a["level"] == "yellow" for a in alerts):
        raise DemoFailure("the approval resting on a score with a yellow alert was not "
                          "judged valid with the alert shown")
    console.print("[bold]6b. Rescoring[/bold]: the enterprise hands its inputs and salt to "
                  "the auditor, who recomputes its score under the registered model")
    e1 = ENTERPRISES[0]
    auditor = {"Authorization": f"Bearer {tokens['auditor']}"}
    score_id, salt = ids[f"score:{e1.uscc}"], ids[f"salt:{e1.uscc}"]
    inputs = demo_inputs(e1.uscc)
    genuine = client.post(f"/v1/scores/{score_id}/rescore", headers=auditor,
                          json={"inputs": inputs, "inputs_salt": salt}).json()
    inputs["indicators"]["debt_to_asset_ratio"]["value"] -= 1500
    altered = client.post(f"/v1/scores/{score_id}/rescore", headers=auditor,
                          json={"inputs": inputs, "inputs_salt": salt}).json()
    follows = "[green]follows[/green]" if genuine.get("ok") else "[red]differs[/red]"
    console.print(f"  genuine inputs: {follows}"
                  f" ({len(genuine.get('checks', []))} checks); debt-to-asset ratio lowered "
                  f"by 15 points: [red]differs[/red] at {altered.get('first_difference')}")
    if not genuine.get("ok") or altered.get("ok") is not False:
        raise DemoFailure(f"rescoring did not behave: {genuine} / {altered}")
    console.print(f"  the same offline: [cyan]ledger rescore {score_id} --inputs INPUTS.json "
                  "--inputs-salt HEX[/cyan] or [cyan]credit-verify rescore[/cyan]",
                  soft_wrap=True)


def _certificate_step(client: httpx.Client, tokens: dict[str, str], data_dir: Path) -> None:
    """Issue a credit certificate, save its JSON and PDF, verify both as a bank would."""
    ent = ENTERPRISES[0]
    console.print(f"[bold]8. A credit certificate[/bold] for {ent.name_zh} from its latest "
                  "anchored score")
    issued = _post(client, f"/v1/enterprises/{ent.uscc}/certificates", tokens["platform"], {})
    credential = issued["credential"]
    rating = credential["credentialSubject"]["creditRating"]
    folder = data_dir / "certificates"
    folder.mkdir(exist_ok=True)
    json_path = folder / f"{issued['number']}.json"
    json_path.write_text(json.dumps(credential, indent=2, ensure_ascii=False))
    pdf = client.get(f"/v1/certificates/{issued['id']}.pdf",
                     headers={"Authorization": f"Bearer {tokens[ent.uscc]}"})
    pdf_path = folder / f"{issued['number']}.pdf"
    if pdf.status_code == 200:
        pdf_path.write_bytes(pdf.content)
    else:
        console.print(f"  [yellow]PDF not rendered:[/yellow] {pdf.json()['error']['message']}")
    token = issued["token"] or {}
    console.print(f"  评级编号 {issued['number']}: grade {rating['grade']}, score "
                  f"{rating['score']}; W3C VC 2.0 signed with eddsa-jcs-2022; evidence = the "
                  "score's proof bundle")
    console.print(f"  soulbound token {token.get('token_id', '?')[:16]}… minted at "
                  f"{token.get('contract')} (chain {token.get('chain_id')}), locked; "
                  f"certificate.issued event {issued['issued_event']}"
                  + (f"; registered on Fabric in tx {issued['fabric']['tx_id'][:16]}…"
                     if issued.get("fabric") else ""))
    console.print(f"  written to {json_path}" + (f" and {pdf_path}" if pdf_path.exists()
                                                  else ""))
    console.print("  a bank verifies the JSON (no API key):")
    verdict = client.post("/v1/verify/certificate", json=credential).json()
    print_verdict(verdict, console)
    qr = client.post("/v1/verify/certificate", json={
        "id": issued["id"], "credential_hash": issued["credential_hash"]}).json()
    console.print(f"  the PDF's QR code opens {issued['verify_url']} → "
                  + ("[green]VALID[/green]" if qr["valid"] else "[red]INVALID[/red]"))
    if not verdict["valid"] or not qr["valid"]:
        raise DemoFailure("the freshly issued certificate did not verify")
