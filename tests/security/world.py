"""Adversaries of issue 9 and the stories they act in, shared by the security tests.

Every test here drives the real service over HTTP (the `Api` TestClient over
SQLite and PostgreSQL, or a real `ledger serve` subprocess) and the real
`ledger` CLI where the operator would use it.
"""

from __future__ import annotations

from typing import Any

from ledger_service.evidence.schemas import EVENT_ADAPTER
from ledger_service.evidence.story import consent_event, score_event

from ..conftest import Api
from ..worlds import BANK_B, BANK_C, E1, E2, LIVE_DAYS, add_banks, applied

ROGUE = "bank_c"  # a bank no enterprise ever consented to (org BANK_C)


def forced(api: Api, org: str, event: dict[str, Any]) -> str:
    """Record an event as `org` straight through the recorder, past the API's write policy:
    what a compromised writer, or data from before a rule existed, leaves in the store."""
    validated = EVENT_ADAPTER.validate_python(event, strict=False)
    return api.ctx.recorder.record(org, [validated])[0].id


def two_enterprises(api: Api) -> dict[str, Any]:
    """E1 and E2 each scored and consenting to the bank (sealed); bank-b holds E2's consent
    only; bank-c (the rogue) holds nothing."""
    add_banks(api)
    ids: dict[str, Any] = {}
    for uscc in (E1, E2):
        ids[uscc] = {"score": api.record("platform", score_event(uscc, 700, "A", (70, 70, 70))),
                     "consent": api.record(uscc, consent_event(uscc, days=LIVE_DAYS)),
                     "applied": api.record(uscc, applied(uscc, f"L-{uscc[-4:]}"))}
    ids[E2]["consent_b"] = api.record(E2, consent_event(E2, grantee=BANK_B, days=LIVE_DAYS))
    api.ctx.sealer.seal_all()
    return ids


__all__ = ["BANK_B", "BANK_C", "E1", "E2", "LIVE_DAYS", "ROGUE", "forced", "two_enterprises"]
