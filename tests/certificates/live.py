"""A real service on a real socket whose certificates point at it (status list, /verify)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from ledger_service.api.app import create_app
from ledger_service.api.server import BackgroundServer, free_port
from ledger_service.evidence.story import ENTERPRISES, PLATFORM_ORG, score_event
from ledger_service.pipeline.anchor_worker import anchor_pending
from ledger_service.pipeline.ledgers import evm_backend
from ledger_service.runtime.context import LedgerContext

from ..conftest import make_settings
from ..scoring_support import register_reference


class Live:
    def __init__(self, ctx: LedgerContext, url: str, token: str) -> None:
        self.ctx, self.url, self.token = ctx, url, token
        self.http = httpx.Client(base_url=url, timeout=60,
                                 headers={"Authorization": f"Bearer {token}"})

    def issue(self, uscc: str = ENTERPRISES[0].uscc) -> dict[str, Any]:
        r = self.http.post("/v1/events", json=score_event(uscc, 742, "A", (78, 71, 66)))
        assert r.status_code == 201, r.text
        self.ctx.sealer.seal_all()
        for backend in self.ctx.backends:
            anchor_pending(self.ctx.engine, backend)
        r = self.http.post(f"/v1/enterprises/{uscc}/certificates", json={})
        assert r.status_code == 201, r.text
        return r.json()


@contextmanager
def live_service(tmp_path: Path, **settings: Any) -> Iterator[Live]:
    port = free_port()
    ctx = LedgerContext.open(make_settings(tmp_path, public_url=f"http://127.0.0.1:{port}",
                                           batcher_enabled=False, **settings))
    ctx.backends.append(evm_backend(ctx))
    register_reference(ctx)  # the scores it records cite the reference model
    token = ctx.keys.create("platform", PLATFORM_ORG)[1]
    try:
        with BackgroundServer(create_app(ctx, background=False), port=port) as url:
            live = Live(ctx, url, token)
            yield live
            live.http.close()
    finally:
        ctx.close()
