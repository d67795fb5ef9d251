"""Registered organizations and the Ed25519 keys their event signatures are checked with."""

from __future__ import annotations

from sqlalchemy import Engine, insert, select, update

from ledger_proof.signing import InvalidKey, load_verify_key
from ledger_service.access.keys import _now_us
from ledger_service.core.errors import InvalidInput, NotFound
from ledger_service.store import generation
from ledger_service.store.fast import write_transaction
from ledger_service.store.tables import ORGS


class OrgStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, name: str, public_key_b64: str | None, require_signatures: bool = False) -> None:
        """Register an org (or update its key): the key verifies the org's event signatures."""
        if public_key_b64 is not None:
            try:
                load_verify_key(public_key_b64)
            except InvalidKey as exc:
                raise InvalidInput(f"public key: {exc}") from None
        with write_transaction(self.engine) as conn:
            exists = conn.execute(select(ORGS.c.name).where(ORGS.c.name == name)).first()
            if exists:
                conn.execute(update(ORGS).where(ORGS.c.name == name).values(
                    public_key=public_key_b64, require_signatures=require_signatures))
            else:
                conn.execute(insert(ORGS).values(name=name, public_key=public_key_b64,
                                                 require_signatures=require_signatures,
                                                 created_us=_now_us()))
            generation.bump(conn)  # intake's cached signing rules are dropped at once

    def get(self, name: str) -> dict:
        with self.engine.connect() as conn:
            row = conn.execute(select(ORGS).where(ORGS.c.name == name)).first()
        if row is None:
            raise NotFound(f"no org {name!r}")
        return {"name": row.name, "public_key": row.public_key,
                "require_signatures": row.require_signatures}

    def list(self) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(ORGS).order_by(ORGS.c.name)).all()
        return [{"name": r.name, "public_key": r.public_key,
                 "require_signatures": r.require_signatures} for r in rows]
