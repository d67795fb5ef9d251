"""Everything a running ledger needs, built once from Settings.

The API, the CLI and the demo all construct a LedgerContext; nothing reads
global state, so tests run several ledgers side by side.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from anchoring.backend import AnchorBackend
from ledger_proof.signing import ServiceKey
from ledger_service.access.keys import KeyStore
from ledger_service.access.orgs import OrgStore
from ledger_service.core.config import Settings
from ledger_service.pipeline.batcher import Sealer
from ledger_service.pipeline.intake import Recorder
from ledger_service.pipeline.reader import Reader
from ledger_service.store.engine import make_engine, migrate
from ledger_service.store.keyfile import load_or_create

log = logging.getLogger(__name__)


@dataclass
class LedgerContext:
    settings: Settings
    engine: Engine
    key: ServiceKey
    recorder: Recorder
    reader: Reader
    sealer: Sealer
    keys: KeyStore
    orgs: OrgStore
    backends: list[AnchorBackend] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def open(cls, settings: Settings | None = None, *, run_migrations: bool = True
             ) -> LedgerContext:
        settings = settings or Settings()
        engine = make_engine(settings)
        if run_migrations:
            migrate(engine)
        key = load_or_create(settings.data_dir, settings.signing_key)
        return cls(settings=settings, engine=engine, key=key,
                   recorder=Recorder(engine, settings.operator_uscc),
                   reader=Reader(engine, key), sealer=Sealer(engine, key, settings),
                   keys=KeyStore(engine), orgs=OrgStore(engine))

    @property
    def intake(self) -> Any:
        """The group-commit writer the API records through (started on first use)."""
        if "intake" not in self.extras:
            from ledger_service.pipeline.intake_queue import IntakeQueue

            self.extras["intake"] = IntakeQueue(
                self.engine, self.recorder,
                flush_after_commit=self.settings.sqlite_flush_after_commit)
        return self.extras["intake"]

    def anchor_workers(self) -> list[Any]:
        """One background worker per configured backend (created once)."""
        if "anchor_workers" not in self.extras:
            from ledger_service.pipeline.anchor_worker import AnchorWorker

            self.extras["anchor_workers"] = [
                AnchorWorker(self.engine, backend, self.key, self.settings.ledger_id,
                             max_backoff=self.settings.anchor_retry_max_seconds)
                for backend in self.backends]
        return self.extras["anchor_workers"]

    def close(self) -> None:
        if "intake" in self.extras:
            self.extras["intake"].stop()
        for backend in self.backends:
            try:
                backend.close()
            except Exception:
                log.exception("closing %s backend", backend.name)
        self.engine.dispose()
