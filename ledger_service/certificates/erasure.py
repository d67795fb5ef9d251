"""Erasure with what rests on the event: the one entry point of the API and the CLI.

``pipeline.erasure`` deletes the payload and records the erasure; it sits below
certificates and cannot know about them. Here, before the payload goes, every
certificate stating the event is revoked everywhere and redacted
(``CertificateService.withdraw``), so no certificate outlives, or repeats, an
erased score. Withdrawing first means a failure (a ledger down) leaves the
event un-erased and the request fails: the operator retries, and nothing that
was done is undone. Asking again for an event already erased (409) still
withdraws certificates left resting on it, e.g. from before this rule.
"""

from __future__ import annotations

from typing import Any

from ledger_service.certificates.service import CertificateService
from ledger_service.pipeline.erasure import Eraser


def erase(ctx: Any, event_id: str, reason_code: str, org: str) -> dict[str, Any]:
    """Withdraw the certificates resting on the event, then erase it; the erasure answer
    with ``certificates_revoked``."""
    eraser = Eraser(ctx.engine, ctx.recorder)
    eraser.check(event_id)
    withdrawn = CertificateService.of(ctx).withdraw(event_id, reason_code, org)
    return {**eraser.erase(event_id, reason_code, org), "certificates_revoked": withdrawn}
