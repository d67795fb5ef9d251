"""Small named facts the service keeps in its database (e.g. deployed contract addresses)."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Engine, insert, select, update

from ledger_service.store.fast import write_transaction
from ledger_service.store.tables import KV


def get(engine: Engine, key: str) -> Any:
    with engine.connect() as conn:
        value = conn.execute(select(KV.c.value).where(KV.c.key == key)).scalar()
    return None if value is None else orjson.loads(value)


def put(engine: Engine, key: str, value: Any) -> None:
    text = orjson.dumps(value).decode()
    with write_transaction(engine) as conn:
        done = conn.execute(update(KV).where(KV.c.key == key).values(value=text))
        if done.rowcount == 0:
            conn.execute(insert(KV).values(key=key, value=text))
