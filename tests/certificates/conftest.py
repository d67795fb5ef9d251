"""A ledger with the embedded EVM chain attached (anchor + certificate tokens), on SQLite
and PostgreSQL, and helpers to get an enterprise to a sealed, anchored score."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ledger_service.evidence.story import ENTERPRISES, score_event
from ledger_service.pipeline.anchor_worker import anchor_pending
from ledger_service.pipeline.ledgers import evm_backend
from ledger_service.runtime.context import LedgerContext

from ..conftest import Api

E1 = ENTERPRISES[0].uscc
E2 = ENTERPRISES[1].uscc


class CertApi(Api):
    """The story's API clients plus sealing, anchoring and issuing in one call."""

    def settle(self) -> None:
        self.ctx.sealer.seal_all()
        for backend in self.ctx.backends:
            anchor_pending(self.ctx.engine, backend)

    def scored(self, uscc: str = E1, score: int = 742, grade: str = "A",
               dims: tuple[int, int, int] = (78, 71, 66)) -> str:
        event_id = self.record("platform", score_event(uscc, score, grade, dims))
        self.settle()
        return event_id

    def issue(self, uscc: str = E1, body: dict[str, Any] | None = None) -> dict[str, Any]:
        r = self.post(f"/v1/enterprises/{uscc}/certificates", "platform", body or {})
        assert r.status_code == 201, r.text
        return r.json()

    def verify(self, doc: dict[str, Any]) -> dict[str, Any]:
        r = self.client.post("/v1/verify/certificate", json=doc)
        assert r.status_code == 200, r.text
        return r.json()


def with_evm(ledger: LedgerContext) -> LedgerContext:
    ledger.backends.append(evm_backend(ledger))
    return ledger


@pytest.fixture
def capi(ctx: LedgerContext) -> CertApi:
    return CertApi(with_evm(ctx))


@pytest.fixture
def sqlite_capi(sqlite_ctx: LedgerContext) -> CertApi:
    return CertApi(with_evm(sqlite_ctx))


def failed(verdict: dict[str, Any]) -> list[str]:
    return [c["name"] for c in verdict["checks"] if c["status"] == "fail"]


Mutator = Callable[[dict[str, Any]], None]
