"""App factory for `ledger serve --workers N`: each worker process builds its own context."""

from __future__ import annotations

import logging
import sys

from fastapi import FastAPI

from ..anchors import attach_backends
from ..context import LedgerContext
from .app import create_app

#: Seconds a thread may hold the GIL while another waits. CPython's 5 ms default
#: turns every hand-off between the event loop and the intake writer into up to
#: 5 ms of idle waiting; 0.5 ms keeps tail latency low at a small cost in
#: throughput.
SWITCH_INTERVAL = 0.0005


def create() -> FastAPI:
    """Open the ledger from the environment (the parent already migrated) and serve it."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(process)d %(name)s %(message)s")
    ctx = LedgerContext.open(run_migrations=False)
    attach_backends(ctx)
    return create_app(ctx, close_ctx=True)
