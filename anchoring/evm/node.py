"""The durable local EVM node: anvil started, watched and restarted by the service.

A fresh install has no ledger to anchor on (no registry ships Fabric
binaries), and an in-process chain dies with its process. This module runs
anvil (npm ``@foundry-rs/anvil``) as a child of the service with its chain
state in the data directory, so anchors survive a restart of the service and
of the machine.

The node directory holds:

``state.json``       anvil's chain state, loaded on start, saved every
                     ``state_interval`` seconds and on a clean exit (SIGTERM)
``state.good.json``  the state as it was last loaded successfully: the fallback
                     when a crash tears ``state.json`` mid-write
``node.json``        the chain's identity (chain id, genesis block hash), so a
                     state file from another chain is refused, never adopted
``anvil.log``        the node's own output, appended across restarts
``anvil.pid``        the running node's pid, to recognise our own orphan

Faults and what they give: a port held by another process raises
:class:`NodePortTaken`; an unreadable state file with no good copy raises
:class:`NodeStateCorrupt` (with a good copy the node starts from it and says
so: the anchor worker then re-anchors what the older state lacks); a state of
another chain raises :class:`NodeStateForeign`. The supervisor restarts a dead
or unresponsive node with exponential back-off. On Linux the node gets SIGTERM
when the supervising thread dies (even by SIGKILL of the service), so it
saves its state on the way out.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from .anvil import AnvilNotFound, find_anvil

log = logging.getLogger(__name__)

DEFAULT_PORT = 8545
DEFAULT_CHAIN_ID = 31337


class NodeError(RuntimeError):
    """The local node cannot run; the message says why and what to do."""


class NodePortTaken(NodeError):
    """Another process listens on the node's port."""


class NodeStateCorrupt(NodeError):
    """The state file cannot be read and there is no good copy to fall back on."""


class NodeStateForeign(NodeError):
    """The state file holds another chain than the one this data directory anchored on."""


class NodeStartFailed(NodeError):
    """anvil exited or did not answer in time."""


@dataclass(frozen=True)
class NodeConfig:
    """Where the node keeps its data and how it is reached."""

    directory: Path
    port: int = DEFAULT_PORT
    chain_id: int = DEFAULT_CHAIN_ID
    state_interval: int = 1
    binary: Path | None = None
    host: str = "127.0.0.1"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def state_path(self) -> Path:
        return self.directory / "state.json"

    @property
    def good_path(self) -> Path:
        return self.directory / "state.good.json"

    @property
    def identity_path(self) -> Path:
        return self.directory / "node.json"

    @property
    def log_path(self) -> Path:
        return self.directory / "anvil.log"

    @property
    def pid_path(self) -> Path:
        return self.directory / "anvil.pid"


def rpc(url: str, method: str, params: list[Any] | None = None, timeout: float = 2.0) -> Any:
    """One JSON-RPC call; raises requests errors or NodeError on a JSON-RPC error."""
    answer = requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method,
                                      "params": params or []}, timeout=timeout)
    answer.raise_for_status()
    body = answer.json()
    if not isinstance(body, dict) or "result" not in body:
        raise NodeError(f"{url} answered {method} without a result: {str(body)[:200]}")
    return body["result"]


def chain_identity(url: str, timeout: float = 2.0) -> dict[str, Any]:
    """The chain a node serves: chain id and the hash of its genesis block."""
    chain_id = int(rpc(url, "eth_chainId", timeout=timeout), 16)
    genesis = rpc(url, "eth_getBlockByNumber", ["0x0", False], timeout=timeout)
    return {"chain_id": chain_id, "genesis_hash": genesis["hash"]}


def read_identity(config: NodeConfig) -> dict[str, Any] | None:
    """The identity recorded for this data directory's chain, or None before the first start."""
    try:
        data = json.loads(config.identity_path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise NodeStateCorrupt(f"{config.identity_path} is unreadable ({exc}); it names the "
                               "chain this data directory anchors on") from exc
    return {"chain_id": int(data["chain_id"]), "genesis_hash": str(data["genesis_hash"])}


def _state_problem(path: Path) -> str | None:
    """None when ``path`` holds an anvil state document, else what is wrong with it."""
    try:
        data = json.loads(path.read_bytes())
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    except ValueError as exc:
        return f"is not valid JSON ({exc})"
    if not isinstance(data, dict) or "accounts" not in data or "block" not in data:
        return "is JSON but not an anvil state (no accounts or block)"
    return None


def _atomic_copy(source: Path, target: Path) -> None:
    tmp = target.with_suffix(target.suffix + ".tmp")
    shutil.copyfile(source, tmp)
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, target)


def port_free(host: str, port: int) -> bool:
    """True when nothing listens on host:port (TIME_WAIT leftovers do not count)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _our_orphan(config: NodeConfig) -> int | None:
    """The pid of a node a previous service left running on this data directory, if any."""
    try:
        pid = int(config.pid_path.read_text().strip())
    except (OSError, ValueError):
        return None
    if not _pid_alive(pid):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    return pid if str(config.state_path).encode() in cmdline else None


def _parent_death_signal() -> Callable[[], None] | None:
    """A preexec function that makes the child get SIGTERM when its parent thread dies."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1
    term = int(signal.SIGTERM)

    def preexec() -> None:
        prctl(pr_set_pdeathsig, term)

    return preexec


@dataclass
class NodeStatus:
    """What readiness and logs say about the node."""

    running: bool = False
    pid: int | None = None
    restarts: int = 0
    last_error: str | None = None
    recovered_from: str | None = None
    fresh_chain: bool = False
    events: list[str] = field(default_factory=list)


class NodeSupervisor:
    """Owns one anvil process: ``start()``, then a watcher thread keeps it alive; ``stop()``.

    Every spawn happens on the watcher thread, which lives until ``stop()``:
    the node's parent-death signal is tied to the thread that forked it.
    """

    def __init__(self, config: NodeConfig, *, health_interval: float = 1.0,
                 failures_before_restart: int = 3, max_backoff: float = 30.0) -> None:
        self.config = config
        self.health_interval = health_interval
        self.failures_before_restart = failures_before_restart
        self.max_backoff = max_backoff
        self.status = NodeStatus()
        self.identity: dict[str, Any] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._started = threading.Event()
        self._start_error: BaseException | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.config.url

    # ---------------------------------------------------------------- public

    def start(self, ready_timeout: float = 30.0) -> NodeSupervisor:
        """Start the node and its watcher; raise a NodeError (with the reason) if it cannot run."""
        binary = self.config.binary or find_anvil()
        if binary is None:
            raise AnvilNotFound("the local EVM node (anvil) is not installed: run "
                                "scripts/setup.sh (it installs @foundry-rs/anvil with npm), "
                                "or put anvil on PATH, or set LEDGER_ANVIL")
        self._binary = binary
        self.config.directory.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._watch, args=(ready_timeout,),
                                        name="evm-node", daemon=True)
        self._thread.start()
        self._started.wait(ready_timeout + 15)
        if self._start_error is not None:
            self._thread.join(timeout=15)
            raise self._start_error
        if not self._started.is_set():
            self.stop()
            raise NodeStartFailed(f"the local EVM node did not start within {ready_timeout}s; "
                                  f"see {self.config.log_path}")
        return self

    def stop(self, timeout: float = 15.0) -> None:
        """Stop watching and end the node cleanly (SIGTERM: anvil saves its state)."""
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=timeout)
        self._terminate(timeout)

    def __enter__(self) -> NodeSupervisor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def describe(self) -> dict[str, Any]:
        return {"url": self.url, "pid": self.status.pid, "running": self.status.running,
                "restarts": self.status.restarts, "last_error": self.status.last_error,
                "data": str(self.config.directory)}

    # ---------------------------------------------------------------- the watcher

    def _watch(self, ready_timeout: float) -> None:
        try:
            self._launch(ready_timeout, first=True)
        except BaseException as exc:  # handed to start(), which raises it in the caller
            self._start_error = exc
            self._started.set()
            return
        self._started.set()
        failures = 0
        backoff = 0.5
        while not self._stopping.wait(self.health_interval):
            process = self._process
            if process is not None and process.poll() is None and self._answers():
                failures, backoff = 0, 0.5
                continue
            failures += 1
            exited = process is None or process.poll() is not None
            if not exited and failures < self.failures_before_restart:
                continue
            reason = (f"exited with {process.returncode}" if process is not None and exited
                      else "stopped answering JSON-RPC")
            self._note(f"local EVM node {reason}; restarting in {backoff:.1f}s")
            self._terminate(5.0)
            if self._stopping.wait(backoff):
                break
            try:
                self._launch(30.0, first=False)
                self.status.restarts += 1
                self._note(f"local EVM node restarted (pid {self.status.pid}); "
                           "the anchor worker reconciles what the saved state lacks")
                failures, backoff = 0, 0.5
            except NodeError as exc:
                self.status.last_error = str(exc)
                log.error("local EVM node: restart failed: %s", exc)
                backoff = min(self.max_backoff, backoff * 2)
        self._terminate(15.0)

    def _answers(self) -> bool:
        try:
            rpc(self.url, "eth_blockNumber", timeout=2.0)
            return True
        except (requests.RequestException, ValueError, NodeError):
            return False

    def _note(self, message: str) -> None:
        log.warning("%s", message)
        self.status.events.append(message)
        del self.status.events[:-20]

    # ---------------------------------------------------------------- launching

    def _launch(self, ready_timeout: float, *, first: bool) -> None:
        config = self.config
        expected = read_identity(config)
        if expected is not None and expected["chain_id"] != config.chain_id:
            raise NodeStateForeign(
                f"this data directory's chain is {expected['chain_id']} "
                f"({config.identity_path}), but the node is configured for chain "
                f"{config.chain_id}; set LEDGER_EVM_NODE_CHAIN_ID={expected['chain_id']}")
        loaded = self._prepare_state(expected)
        try:
            self._free_port()
            self._spawn()
            self._wait_ready(ready_timeout)
            served = chain_identity(self.url)
        except BaseException:
            self._discard(loaded)
            raise
        if expected is not None and served != expected:
            self._kill_now()
            self._discard(loaded)
            raise NodeStateForeign(
                f"{config.state_path} holds another chain (genesis {served['genesis_hash']}, "
                f"chain {served['chain_id']}) than the one this data directory anchored on "
                f"(genesis {expected['genesis_hash']}, chain {expected['chain_id']}); refusing "
                "to use it. Put the right state file back, or move state.json and node.json "
                "aside to start a new chain (every header is then anchored again)")
        if expected is None:
            tmp = config.identity_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(served))
            os.replace(tmp, config.identity_path)
            self.status.fresh_chain = loaded is None
        self.identity = served
        if loaded is not None and loaded != config.good_path:
            # only now is the loaded state known to be ours: keep it as the fallback
            _atomic_copy(loaded, config.good_path)
            loaded.unlink(missing_ok=True)
        self.status.running = True
        self.status.last_error = None
        if first:
            log.info("local EVM node %s (pid %s, chain %s, state %s)", self.url,
                     self.status.pid, served["chain_id"], config.state_path)

    def _prepare_state(self, expected: dict[str, Any] | None) -> Path | None:
        """Check the state file; fall back on the good copy if it is torn. The file loaded."""
        config = self.config
        state, good = config.state_path, config.good_path
        if not state.exists():
            if expected is not None:
                if good.exists() and _state_problem(good) is None:
                    _atomic_copy(good, state)
                    self._recovered(f"{state} was missing; started from the last good state "
                                    f"{good}")
                    return good
                raise NodeStateCorrupt(
                    f"{state} is missing, but {config.identity_path} says this data directory "
                    "anchored on a chain whose state was kept there: restore the file from a "
                    "backup, or move node.json aside to start a new chain (every header is "
                    "then anchored again)")
            return None
        problem = _state_problem(state)
        if problem is None:
            snapshot = config.directory / "state.loading.json"
            _atomic_copy(state, snapshot)
            return snapshot
        if good.exists() and _state_problem(good) is None:
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
            aside = config.directory / f"state.corrupt-{stamp}.json"
            os.replace(state, aside)
            _atomic_copy(good, state)
            self._recovered(f"the node's state file {state} {problem}; it was moved to "
                            f"{aside} and the node started from the last good state {good}: "
                            "anchors made after that state are anchored again")
            return good
        raise NodeStateCorrupt(
            f"the node's state file {state} {problem}, and there is no good copy to start "
            f"from; the chain cannot be loaded. Restore {state.name} from a backup, or move "
            f"it and {config.identity_path.name} aside to start a new chain (every header is "
            "then anchored again)")

    def _discard(self, loaded: Path | None) -> None:
        if loaded is not None and loaded != self.config.good_path:
            loaded.unlink(missing_ok=True)

    def _recovered(self, message: str) -> None:
        log.error("local EVM node: %s", message)
        self.status.recovered_from = message
        self.status.events.append(message)

    def _free_port(self) -> None:
        config = self.config
        if port_free(config.host, config.port):
            return
        orphan = _our_orphan(config)
        if orphan is not None:
            self._note(f"a local EVM node left running on this data directory (pid {orphan}) "
                       "holds the port; stopping it so it saves its state")
            with contextlib.suppress(ProcessLookupError):
                os.kill(orphan, signal.SIGTERM)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and (_pid_alive(orphan)
                                                    or not port_free(config.host, config.port)):
                time.sleep(0.1)
            if port_free(config.host, config.port):
                return
        raise NodePortTaken(
            f"port {config.port} on {config.host} is taken by another process, so the local "
            f"EVM node cannot listen there; stop that process or set LEDGER_EVM_NODE_PORT to a "
            "free port")

    def _spawn(self) -> None:
        config = self.config
        command = [str(self._binary), "--host", config.host, "--port", str(config.port),
                   "--chain-id", str(config.chain_id), "--state", str(config.state_path),
                   "--state-interval", str(config.state_interval)]
        if not config.state_path.exists():
            # A new chain: its genesis hash is its identity, and anvil's genesis depends
            # only on the start second; a random genesis time keeps two chains apart.
            command += ["--timestamp", str(int(time.time()) - secrets.randbelow(2**24))]
        with open(config.log_path, "ab") as log_file:
            log_file.write(f"\n--- {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} "
                           f"starting: {' '.join(command)}\n".encode())
            log_file.flush()
            self._process = subprocess.Popen(
                command, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                preexec_fn=_parent_death_signal(), start_new_session=True)
        self.status.pid = self._process.pid
        config.pid_path.write_text(str(self._process.pid))

    def _wait_ready(self, timeout: float) -> None:
        process = self._process
        assert process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self.status.running = False
                raise NodeStartFailed(f"the local EVM node exited with {process.returncode}: "
                                      f"{self._log_tail()} (log: {self.config.log_path})")
            if self._answers():
                return
            time.sleep(0.05)
        self._kill_now()
        raise NodeStartFailed(f"the local EVM node did not answer within {timeout}s "
                              f"(log: {self.config.log_path})")

    def _log_tail(self) -> str:
        try:
            lines = self.config.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "no log"
        meaningful = [line for line in lines[-8:] if line.strip() and not line.startswith("---")]
        return " / ".join(meaningful[-3:]) or "no output"

    def _kill_now(self) -> None:
        """SIGKILL: leave the state file exactly as it was (used on refusal)."""
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(10)
        self.status.running = False

    def _terminate(self, timeout: float) -> None:
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        self.status.running = False
        with contextlib.suppress(OSError):
            if self.config.pid_path.read_text().strip() == str(process.pid):
                self.config.pid_path.unlink()


def wait_saved(state_path: Path, since_ns: int, timeout: float = 10.0) -> bool:
    """Wait until anvil saved its state after ``since_ns`` (time.time_ns()); False on timeout.

    A write the service must not lose (a contract deployment, a certificate
    token) waits for the next periodic save: a crash of the node after that
    cannot take it back.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if state_path.stat().st_mtime_ns > since_ns and _state_problem(state_path) is None:
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False
