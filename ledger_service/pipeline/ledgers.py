"""Choosing and attaching the ledgers batch headers are anchored on.

The choice (a :class:`LedgerPlan`) follows the settings:

* ``LEDGER_FABRIC_PROFILE`` set: Fabric, and EVM too if ``LEDGER_EVM_RPC_URL``
  or ``LEDGER_EVM_ENABLED`` says so (both together anchor on both);
* ``LEDGER_EVM_RPC_URL`` set: that node;
* neither: the durable default, a local EVM node (anvil) whose chain lives in
  the data directory (``LEDGER_EVM_NODE=auto``), started by `ledger serve`;
* no ledger can run (anvil not installed, the node refused to start,
  ``LEDGER_EVM_NODE=off``): "none", said loudly, never pretended.

`ledger demo` looks for Fabric first (a running test network, or binaries to
start one) and otherwise anchors on the local node, and says which.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine

from ledger_proof.ledgers.pinned import PinnedLedgers
from ledger_service.core.config import Settings
from ledger_service.store import kv

log = logging.getLogger(__name__)

Say = Callable[[str], None]

#: Set by `ledger serve` for its worker processes when the local node could not start.
NODE_ERROR_ENV = "LEDGER_EVM_NODE_ERROR"


class LedgerHost(Protocol):
    """What ledger selection needs of a running ledger (runtime.LedgerContext has it)."""

    settings: Settings
    engine: Engine
    backends: list[Any]
    extras: dict[str, Any]


def own_ledgers(host: Any) -> PinnedLedgers:
    """The ledgers this service anchors on, as a verifier's pinned readers.

    The service's configuration is its pin: it reads headers back only from the
    backends it writes to, never from an address a document under check names.
    """
    return PinnedLedgers({backend.name: backend for backend in host.backends})


def _quiet(_: str) -> None:
    pass


@dataclass(frozen=True)
class LedgerPlan:
    """Where headers go: a Fabric profile and/or an EVM node, or nothing (with the reason)."""

    fabric_profile: Path | None = None
    #: "node" (the local durable node), "url" (LEDGER_EVM_RPC_URL), "embedded" (eth-tester)
    evm_kind: str | None = None
    evm_url: str | None = None
    node: Any = None  # anchoring.evm.node.NodeConfig when evm_kind == "node"
    problem: str | None = None

    @property
    def anchors_nowhere(self) -> bool:
        return self.fabric_profile is None and self.evm_kind is None


def node_config(settings: Settings) -> Any:
    """The local EVM node's configuration, from the settings."""
    from anchoring.evm.node import NodeConfig

    return NodeConfig(settings.evm_node_dir, port=settings.evm_node_port,
                      chain_id=settings.evm_node_chain_id,
                      state_interval=settings.evm_node_state_interval, binary=settings.anvil)


def plan_ledgers(settings: Settings, *, fabric_profile: Path | None = None,
                 node_error: str | None = None) -> LedgerPlan:
    """Decide where headers go (see the module doc); starts nothing."""
    fabric = settings.fabric_profile or fabric_profile
    if settings.evm_rpc_url:
        return LedgerPlan(fabric, "url", settings.evm_rpc_url)
    if fabric is not None and not settings.evm_enabled:
        return LedgerPlan(fabric)
    if settings.evm_node == "off":
        if settings.evm_enabled:
            return LedgerPlan(fabric, "embedded")
        return LedgerPlan(fabric, problem="no ledger is configured and LEDGER_EVM_NODE=off")
    node_error = node_error or os.environ.get(NODE_ERROR_ENV)
    if node_error:
        return LedgerPlan(fabric, problem=f"the local EVM node could not start: {node_error}")
    from anchoring.evm.anvil import find_anvil

    if settings.anvil is None and find_anvil() is None:
        return LedgerPlan(fabric, problem="the local EVM node (anvil) is not installed: run "
                          "scripts/setup.sh (needs npm), or configure LEDGER_FABRIC_PROFILE or "
                          "LEDGER_EVM_RPC_URL")
    node = node_config(settings)
    return LedgerPlan(fabric, "node", node.url, node)


def describe(plan: LedgerPlan, ctx: LedgerHost | None = None) -> list[dict[str, Any]]:
    """The anchoring ledgers as readiness and `ledger config` name them ([] for none)."""
    ledgers: list[dict[str, Any]] = []
    if plan.fabric_profile is not None:
        ledgers.append({"backend": "fabric", "ledger": "Hyperledger Fabric",
                        "profile": str(plan.fabric_profile)})
    if plan.evm_kind is not None:
        entry: dict[str, Any] = {"backend": "evm"}
        if plan.evm_kind == "node":
            entry.update(ledger="local EVM node (anvil)", url=plan.evm_url,
                         chain_id=plan.node.chain_id, data=str(plan.node.directory))
        elif plan.evm_kind == "url":
            entry.update(ledger="EVM node", url=plan.evm_url)
        else:
            entry.update(ledger="embedded eth-tester chain (lives only inside this process)")
        deployment = ctx.extras.get("evm_deployment") if ctx is not None else None
        if deployment is not None:
            entry.update(chain_id=deployment.chain_id, registry=deployment.anchor_registry,
                         token=deployment.certificate_token)
        ledgers.append(entry)
    return ledgers


def recorded_deployment(engine: Engine, plan: LedgerPlan) -> Any:
    """The contracts recorded for the planned local node's chain, without contacting it."""
    if plan.evm_kind != "node":
        return None
    from anchoring.evm.chain import Deployment
    from anchoring.evm.node import NodeError, read_identity

    try:
        identity = read_identity(plan.node)
    except NodeError:
        return None
    if identity is None:
        return None
    key = f"evm.deployment.{identity['chain_id']}.{identity['genesis_hash'][2:18]}"
    try:
        stored = kv.get(engine, key)
    except Exception:  # no schema yet: nothing was ever deployed from here
        return None
    return Deployment.from_dict(stored) if stored else None


def summary(plan: LedgerPlan, ctx: LedgerHost | None = None) -> str:
    """One line naming where headers go, for start-up logs and `ledger config`."""
    parts = []
    for entry in describe(plan, ctx):
        if entry["backend"] == "fabric":
            parts.append(f"Hyperledger Fabric (profile {entry['profile']})")
            continue
        text = entry["ledger"]
        if entry.get("url"):
            text += f" at {entry['url']}"
        if entry.get("registry"):
            text += f", chain {entry['chain_id']}, registry {entry['registry']}"
        if entry.get("data"):
            text += f", chain state in {entry['data']}"
        parts.append(text)
    if not parts:
        return f"none ({plan.problem or 'no ledger configured'})"
    return " and ".join(parts)


def attach_backends(ctx: LedgerHost, *, plan: LedgerPlan | None = None,
                    fabric_backend: Any = None) -> str | None:
    """Attach the planned backends to ctx; return where headers go (None: nowhere).

    With the local node, the node must already run (`ledger serve` and the
    demo start it; see runtime.node).
    """
    plan = plan or plan_ledgers(ctx.settings)
    ctx.extras["ledger_plan"] = plan
    if plan.fabric_profile is not None:
        ctx.backends.append(fabric_backend or _fabric_backend(plan.fabric_profile))
    if plan.evm_kind is not None:
        ctx.extras["evm_url"] = plan.evm_url
        ctx.extras["evm_node"] = plan.node
        ctx.backends.append(evm_backend(ctx))
    if plan.anchors_nowhere:
        return None
    return summary(plan, ctx)


def _fabric_backend(profile: Any) -> Any:
    from anchoring.fabric.backend import FabricBackend

    return FabricBackend.from_profile(profile)


def demo_fabric(say: Say) -> tuple[Path, Any] | None:
    """Fabric for the demo: (profile, backend), or None (and say why) when it is not here."""
    try:
        from anchoring.fabric.network import NetworkUnavailable, ensure_network
    except ImportError:
        say("  Fabric: not found (the Fabric integration is not installed); "
            "anchoring on the local EVM node instead")
        return None
    try:
        profile = ensure_network(say=say)
    except NetworkUnavailable as exc:
        say(f"  Fabric: not found — {exc}; anchoring on the local EVM node instead")
        return None
    return profile, _fabric_backend(profile)


def evm_chain(ctx: LedgerHost) -> Any:
    """One EVM connection per ledger context, with the contracts deployed.

    Addresses are kept in the database so a restarted service attaches to the
    same registry and token; on the embedded chain (which dies with the
    process) a stale deployment is replaced. On the local node the record is
    keyed by the chain's genesis too, so a new chain (an operator moved the
    old state aside) gets new contracts and every header is anchored again,
    and a fresh deployment waits until the node has saved it.
    """
    if "evm_chain" not in ctx.extras:
        from anchoring.evm.chain import connect, ensure_deployed

        url = ctx.extras.get("evm_url", ctx.settings.evm_rpc_url)
        chain = connect(url, private_key=ctx.settings.evm_private_key)
        node = ctx.extras.get("evm_node")
        key = f"evm.deployment.{chain.chain_id}"
        if node is not None:
            genesis = chain.w3.eth.get_block(0)["hash"].to_0x_hex()
            key = f"evm.deployment.{chain.chain_id}.{genesis[2:18]}"
        stored = kv.get(ctx.engine, key)
        deployment = ensure_deployed(chain, stored)
        if stored is None or deployment.to_dict() != stored:
            if node is not None:
                from anchoring.evm.node import wait_saved

                if not wait_saved(node.state_path, time.time_ns(),
                                  timeout=3 * node.state_interval + 5):
                    log.warning("the local EVM node did not save its state after deploying "
                                "the contracts")
            kv.put(ctx.engine, key, deployment.to_dict())
        ctx.extras["evm_chain"] = chain
        ctx.extras["evm_deployment"] = deployment
    return ctx.extras["evm_chain"]


def evm_backend(ctx: LedgerHost) -> Any:
    """The EVM anchor on the AnchorRegistry contract."""
    from anchoring.evm.backend import EvmBackend

    chain = evm_chain(ctx)
    return EvmBackend(chain, ctx.extras["evm_deployment"].anchor_registry)


def persistent_backends(ctx: LedgerHost, plan: LedgerPlan | None = None,
                        say: Say = _quiet) -> list[Any]:
    """The configured ledgers that outlive this process (for audits and verification).

    The embedded EVM chain is skipped: a new process would start an empty one.
    With the local node, the node must run (runtime.node.reading_node).
    """
    plan = plan or plan_ledgers(ctx.settings)
    if plan.evm_kind == "embedded":
        say("note: the embedded EVM chain lives inside the serving process; not auditable here")
        plan = LedgerPlan(plan.fabric_profile, problem=plan.problem)
    attach_backends(ctx, plan=plan)
    return list(ctx.backends)
