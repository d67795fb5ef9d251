"""The demo's story, recorded over HTTP for the portal: one key per role and data to click.

It is ``ledger demo``'s story (the reference scoring model registered, three
enterprises scored by it from the inputs shipped with the demo, a yellow risk alert
on the second, consents to the bank,
applications, two approvals citing score and consent, a rejection,
disbursements, a repayment, an overdue instalment), plus what a portal user
needs to see the rules at work: a certificate for the first enterprise, and
an approval the bank recorded after the consent it cites had been revoked
(the enterprise then granted a new consent, so the bank may still look, and
the provenance graph names the failing check).
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from ledger_proof.scoring import REFERENCE_SPEC
from ledger_service.evidence.scoring import REFERENCE_REGISTERED_AT
from ledger_service.evidence.story import (
    BANK_ORG,
    ENTERPRISES,
    PLATFORM_ORG,
    YELLOW_ALERT,
    at,
    consent_event,
    demo_inputs,
    loan_event,
)

AUDITOR_ORG = "cicpa-audit"
REVOKED_LOAN = "LN-2026-0004"


class StoryFailure(RuntimeError):
    """The service refused or never settled a step of the story."""


def create_keys(ctx: Any) -> dict[str, str]:
    """One API key per actor: platform, bank, auditor and each enterprise (by USCC)."""
    tokens = {"platform": ctx.keys.create("platform", PLATFORM_ORG, "portal demo")[1],
              "bank": ctx.keys.create("bank", BANK_ORG, "portal demo")[1],
              "auditor": ctx.keys.create("auditor", AUDITOR_ORG, "portal demo")[1]}
    for ent in ENTERPRISES:
        tokens[ent.uscc] = ctx.keys.create("enterprise", ent.uscc, "portal demo")[1]
    return tokens


def _post(client: httpx.Client, token: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
    if r.status_code not in (200, 201):
        raise StoryFailure(f"POST {path} answered {r.status_code}: {r.text[:300]}")
    return r.json()


def wait_for(client: httpx.Client, token: str, event_id: str, wanted: set[str],
             timeout: float = 60) -> str:
    """Poll an event until its status is one of ``wanted`` (the batcher and anchor run
    in the service); StoryFailure on timeout."""
    deadline = time.monotonic() + timeout
    status = "?"
    while time.monotonic() < deadline:
        r = client.get(f"/v1/events/{event_id}", headers={"Authorization": f"Bearer {token}"})
        status = r.json().get("status", "?")
        if status in wanted:
            return status
        time.sleep(0.1)
    raise StoryFailure(f"event {event_id} stayed {status}, wanted {sorted(wanted)}")


def record_scores(client: httpx.Client, platform: str) -> dict[str, Any]:
    """Register the reference model, score the three enterprises from their shipped
    inputs (the salts come back once: kept here for the rescoring step) and raise the
    story's yellow alert on the second. Returns ids, scores and salts by USCC."""
    # Registered as of the story's adoption date, before every score it computes.
    ids: dict[str, Any] = {"model": _post(
        client, platform, f"/v1/models?occurred_at={REFERENCE_REGISTERED_AT}",
        REFERENCE_SPEC)["event_id"]}
    for ent in ENTERPRISES:
        scored = _post(client, platform, "/v1/scores", {
            "enterprise_id": ent.uscc, "inputs": demo_inputs(ent.uscc),
            "occurred_at": at(0)})
        ids[f"score:{ent.uscc}"] = scored["id"]
        ids[f"salt:{ent.uscc}"] = scored["inputs_salt"]
        ids[f"payload:{ent.uscc}"] = scored["event"]["payload"]
    e2 = ENTERPRISES[1]
    ids[f"alert:{e2.uscc}"] = _post(client, platform, "/v1/events", {
        "type": "risk.alert", "enterprise_id": e2.uscc, "occurred_at": at(12),
        "refs": [ids[f"score:{e2.uscc}"]], "payload": YELLOW_ALERT})["id"]
    return ids


def record_story(client: httpx.Client, tokens: dict[str, str], *, anchored: bool = True
                 ) -> dict[str, Any]:
    """Record the story; returns the ids a portal user (or a test) looks for."""
    e1, e2, e3 = ENTERPRISES
    platform, bank = tokens["platform"], tokens["bank"]
    ids: dict[str, Any] = record_scores(client, platform)
    scores = [{"id": ids[f"score:{ent.uscc}"]} for ent in ENTERPRISES]
    for ent, score in zip(ENTERPRISES, scores, strict=True):
        ids[f"score:{ent.uscc}"] = score["id"]
        ids[f"consent:{ent.uscc}"] = _post(client, tokens[ent.uscc], "/v1/events",
                                           consent_event(ent.uscc))["id"]
    for score in scores:
        wait_for(client, platform, score["id"], {"sealed", "anchored"})
    for n, ent in enumerate(ENTERPRISES, start=1):
        loan = f"LN-2026-{n:04d}"
        ids[f"applied:{loan}"] = _post(client, bank, "/v1/events", loan_event(
            "loan.applied", ent.uscc, loan, [], 2 + n, amount_fen=500_000_00 * n,
            currency="CNY", term_months=12, product="credit"))["id"]
    for ent, loan, amount, rate in ((e1, "LN-2026-0001", 500_000_00, 385),
                                    (e2, "LN-2026-0002", 1_000_000_00, 345)):
        approved = _post(client, bank, "/v1/events", loan_event(
            "loan.approved", ent.uscc, loan,
            [ids[f"score:{ent.uscc}"], ids[f"consent:{ent.uscc}"]], 30,
            amount_fen=amount, rate_bp=rate))["id"]
        ids[f"approved:{loan}"] = approved
        _post(client, bank, "/v1/events", loan_event("loan.disbursed", ent.uscc, loan,
                                                     [approved], 48, amount_fen=amount))
    _post(client, bank, "/v1/events", loan_event(
        "loan.rejected", e3.uscc, "LN-2026-0003", [ids["applied:LN-2026-0003"]], 30,
        reason_code="score_below_threshold"))
    _post(client, bank, "/v1/events", loan_event(
        "loan.repaid", e1.uscc, "LN-2026-0001", [ids["approved:LN-2026-0001"]], 24 * 30,
        amount_fen=4_300_000))
    _post(client, bank, "/v1/events", loan_event(
        "loan.overdue", e2.uscc, "LN-2026-0002", [ids["approved:LN-2026-0002"]], 24 * 31,
        days_overdue=5))

    # The third enterprise withdraws its consent and grants a new one; the bank then
    # records an approval that still cites the withdrawn consent.
    old = ids[f"consent:{e3.uscc}"]
    ids["revocation"] = _post(client, tokens[e3.uscc], "/v1/events", {
        "type": "consent.revoked", "enterprise_id": e3.uscc, "occurred_at": at(40),
        "refs": [old], "payload": {"consent_id": old}})["id"]
    ids[f"consent2:{e3.uscc}"] = _post(client, tokens[e3.uscc], "/v1/events",
                                       consent_event(e3.uscc, hours=41))["id"]
    ids[f"approved:{REVOKED_LOAN}"] = _post(client, bank, "/v1/events", loan_event(
        "loan.approved", e3.uscc, REVOKED_LOAN, [ids[f"score:{e3.uscc}"], old], 42,
        amount_fen=200_000_00, rate_bp=520))["id"]
    wanted = {"anchored"} if anchored else {"sealed", "anchored"}
    wait_for(client, platform, ids[f"approved:{REVOKED_LOAN}"], wanted)
    wait_for(client, platform, ids["approved:LN-2026-0001"], wanted)
    ids["certificate"] = _post(client, platform, f"/v1/enterprises/{e1.uscc}/certificates", {})
    return ids
