"""The process that supervises the API workers, importing nothing of the service.

`ledger serve` migrates, plans the ledgers and deploys contracts in its own
process, which by then holds FastAPI, SQLAlchemy, pydantic, the CLI and more
(~80 MB). Keeping that process as uvicorn's supervisor kept all of it resident
for the life of the service, and uvicorn's spawned workers re-imported the
supervisor's ``__main__`` (the whole CLI) on top of what they serve. So, when it
owns nothing that must outlive the preparation (no local EVM node to watch),
`ledger serve` replaces itself with this module (``os.execv``): uvicorn and the
standard library only (~25 MB), and workers that import just the app factory.

Usage: ``python -m ledger_service.api.supervisor HOST PORT WORKERS LOG_LEVEL HTTP
MAX_HEADER_BYTES``; ``HTTP`` is uvicorn's ``http`` (an import path or ``h11``).
"""

from __future__ import annotations

import sys

#: The app factory each worker calls (ledger_service.api.factory.create).
APP = "ledger_service.api.factory:create"


def command(host: str, port: int, workers: int, log_level: str, http: str,
            max_header_bytes: int) -> list[str]:
    """The argv that runs this supervisor with these settings."""
    return [sys.executable, "-m", __name__ if __name__ != "__main__" else
            "ledger_service.api.supervisor", host, str(port), str(workers), log_level, http,
            str(max_header_bytes)]


def main(argv: list[str]) -> None:
    """Serve the API: uvicorn's own supervisor over WORKERS spawned workers (or one in-process)."""
    import uvicorn

    host, port, workers, log_level, http, max_header_bytes = argv
    uvicorn.run(APP, factory=True, host=host, port=int(port), workers=int(workers),
                log_level=log_level, access_log=False, http=http,
                h11_max_incomplete_event_size=int(max_header_bytes))


if __name__ == "__main__":
    main(sys.argv[1:])
