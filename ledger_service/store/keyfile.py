"""The service signing key on disk: created once, mode 0600, never half-written."""

from __future__ import annotations

import os
from pathlib import Path

from ledger_proof.signing import ServiceKey

KEY_FILE = "signing_key.b64"


def load_or_create(data_dir: Path, seed_b64: str | None = None) -> ServiceKey:
    """The configured key, else the one in data_dir, else a new one written there (0600)."""
    if seed_b64:
        return ServiceKey.from_seed_b64(seed_b64)
    path = data_dir / KEY_FILE
    if path.exists():
        return ServiceKey.from_seed_b64(path.read_text())
    data_dir.mkdir(parents=True, exist_ok=True)
    key = ServiceKey.generate()
    # Write a private temp file, then link it into place: link() fails if another
    # process won the race, and nobody ever reads a half-written key.
    tmp = data_dir / f".{KEY_FILE}.{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key.seed_b64())
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(tmp, path)
    except FileExistsError:
        return ServiceKey.from_seed_b64(path.read_text())
    finally:
        tmp.unlink(missing_ok=True)
    return key
