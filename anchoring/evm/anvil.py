"""Start and stop a local anvil node (from the npm package @foundry-rs/anvil).

anvil is a real JSON-RPC node with current hard forks; tests and the benchmark
run the same clients against it that production runs against any node. The
binary comes from ``npm ci`` in anchoring/evm (a devDependency), or from PATH.
"""

from __future__ import annotations

import os
import platform
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import requests

EVM_DIR = Path(__file__).resolve().parent

_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


class AnvilNotFound(RuntimeError):
    """No anvil binary: run `npm ci --prefix anchoring/evm` or put anvil on PATH."""


class AnvilFailed(RuntimeError):
    """anvil started but did not answer JSON-RPC in time, or exited."""


def find_anvil() -> Path | None:
    """The anvil binary: $LEDGER_ANVIL, the npm platform package, or PATH."""
    explicit = os.environ.get("LEDGER_ANVIL")
    if explicit:
        return Path(explicit)
    system = platform.system().lower()
    arch = _ARCH.get(platform.machine().lower())
    if arch:
        # the platform package's binary directly: the node wrapper would add a
        # process between us and anvil that we would then have to signal through
        binary = (
            EVM_DIR / "node_modules" / "@foundry-rs" / f"anvil-{system}-{arch}" / "bin" / "anvil"
        )
        if binary.is_file() and os.access(binary, os.X_OK):
            return binary
    on_path = shutil.which("anvil")
    return Path(on_path) if on_path else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class AnvilNode:
    """A running anvil process on 127.0.0.1; ``stop()`` (or the context manager) ends it."""

    process: subprocess.Popen[bytes]
    url: str
    log_path: Path
    _log: IO[bytes] | None = field(default=None, repr=False)

    def stop(self, timeout: float = 5.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> AnvilNode:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_anvil(
    binary: Path | None = None, *, port: int | None = None, ready_timeout: float = 20.0
) -> AnvilNode:
    """Start anvil on a free 127.0.0.1 port and wait until it answers eth_chainId."""
    binary = binary or find_anvil()
    if binary is None:
        raise AnvilNotFound(AnvilNotFound.__doc__ or "anvil not found")
    port = port or free_port()
    log_file = tempfile.NamedTemporaryFile(prefix="anvil-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [str(binary), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log_file,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    node = AnvilNode(process, f"http://127.0.0.1:{port}", Path(log_file.name), log_file)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            node.stop()
            raise AnvilFailed(f"anvil exited with {process.returncode}; log: {node.log_path}")
        try:
            answer = requests.post(
                node.url,
                json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
                timeout=1,
            )
            if answer.ok and "result" in answer.json():
                return node
        except (requests.RequestException, ValueError):
            pass
        time.sleep(0.1)
    node.stop()
    raise AnvilFailed(f"anvil did not answer within {ready_timeout}s; log: {node.log_path}")
