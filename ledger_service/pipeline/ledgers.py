"""Choosing and attaching the ledgers batch headers are anchored on.

`ledger serve` anchors where the settings say (LEDGER_FABRIC_PROFILE,
LEDGER_EVM_RPC_URL / LEDGER_EVM_ENABLED). `ledger demo` looks for Fabric
first (a running test network, or binaries to start one) and falls back to
the embedded EVM chain, and says which.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import Engine

from ledger_service.core.config import Settings
from ledger_service.store import kv

Say = Callable[[str], None]


class LedgerHost(Protocol):
    """What ledger selection needs of a running ledger (runtime.LedgerContext has it)."""

    settings: Settings
    engine: Engine
    backends: list[Any]
    extras: dict[str, Any]


def _quiet(_: str) -> None:
    pass


def attach_backends(ctx: LedgerHost, *, demo: bool = False, use_fabric: bool = True,
                    say: Say = _quiet) -> str | None:
    """Attach the configured backends to ctx; return a description of where headers go."""
    settings = ctx.settings
    where: list[str] = []
    if settings.fabric_profile:
        ctx.backends.append(_fabric_backend(settings.fabric_profile))
        where.append(f"Hyperledger Fabric ({settings.fabric_profile})")
    elif demo and use_fabric:
        found = _demo_fabric(say)
        if found is not None:
            ctx.backends.append(found)
            where.append("Hyperledger Fabric (channel evidence, two orgs)")
    if settings.evm_enabled or settings.evm_rpc_url or (demo and not where):
        ctx.backends.append(evm_backend(ctx))
        where.append(f"EVM ({settings.evm_rpc_url or 'embedded eth-tester chain'})")
    return " and ".join(where) if where else None


def _fabric_backend(profile: Any) -> Any:
    from anchoring.fabric.backend import FabricBackend

    return FabricBackend.from_profile(profile)


def _demo_fabric(say: Say) -> Any:
    """A Fabric backend for the demo, or None (and say why) when Fabric is not here."""
    try:
        from anchoring.fabric.network import NetworkUnavailable, ensure_network
    except ImportError:
        say("  Fabric: not found (the Fabric integration is not installed); "
            "anchoring on the embedded EVM chain instead")
        return None
    try:
        profile = ensure_network(say=say)
    except NetworkUnavailable as exc:
        say(f"  Fabric: not found — {exc}; anchoring on the embedded EVM chain instead")
        return None
    return _fabric_backend(profile)


def evm_chain(ctx: LedgerHost) -> Any:
    """One EVM connection per ledger context, with the contracts deployed.

    Addresses are kept in the database so a restarted service attaches to the
    same registry and token; on the embedded chain (which dies with the
    process) a stale deployment is replaced.
    """
    if "evm_chain" not in ctx.extras:
        from anchoring.evm.chain import connect, ensure_deployed

        chain = connect(ctx.settings.evm_rpc_url, private_key=ctx.settings.evm_private_key)
        key = f"evm.deployment.{chain.chain_id}"
        deployment = ensure_deployed(chain, kv.get(ctx.engine, key))
        kv.put(ctx.engine, key, deployment.to_dict())
        ctx.extras["evm_chain"] = chain
        ctx.extras["evm_deployment"] = deployment
    return ctx.extras["evm_chain"]


def evm_backend(ctx: LedgerHost) -> Any:
    """The EVM anchor on the AnchorRegistry contract."""
    from anchoring.evm.backend import EvmBackend

    chain = evm_chain(ctx)
    return EvmBackend(chain, ctx.extras["evm_deployment"].anchor_registry)


def persistent_backends(ctx: LedgerHost, say: Say = _quiet) -> list[Any]:
    """The configured ledgers that outlive this process (for audits and verification).

    The embedded EVM chain is skipped: a new process would start an empty one.
    """
    backends: list[Any] = []
    if ctx.settings.fabric_profile:
        backends.append(_fabric_backend(ctx.settings.fabric_profile))
    if ctx.settings.evm_rpc_url:
        backends.append(evm_backend(ctx))
    elif ctx.settings.evm_enabled:
        say("note: the embedded EVM chain lives inside the serving process; not auditable here")
    ctx.backends.extend(backends)
    return backends
