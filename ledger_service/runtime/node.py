"""Running the local EVM node for the commands that need it.

`ledger serve` starts it in the parent process, before uvicorn starts any
worker, so exactly one process owns the node whatever ``--workers`` says;
every worker talks to it by URL. A command that only reads the chain
(`ledger audit`) uses the service's node when it runs, or starts the node
from the data directory for the length of the command.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from typing import Any

from ledger_service.core.config import Settings
from ledger_service.pipeline.ledgers import NODE_ERROR_ENV, LedgerPlan, plan_ledgers

log = logging.getLogger(__name__)


class NodeUnavailable(Exception):
    """The plan needs the local node and it cannot run; the message says why."""


def start_node(plan: LedgerPlan) -> Any:
    """Start and supervise the planned local node; NodeUnavailable (with why) if it cannot run."""
    from anchoring.evm.anvil import AnvilNotFound
    from anchoring.evm.node import NodeError, NodeSupervisor

    try:
        return NodeSupervisor(plan.node).start()
    except (NodeError, AnvilNotFound) as exc:
        raise NodeUnavailable(str(exc)) from exc


def serve_plan(settings: Settings) -> tuple[LedgerPlan, Any]:
    """The plan for `ledger serve`, with the node started when the plan needs one.

    When the node cannot start, the plan says so ("anchoring: none" and why)
    and the reason is handed to the worker processes through the environment,
    so none of them talks to whatever holds the port instead.
    """
    os.environ.pop(NODE_ERROR_ENV, None)
    plan = plan_ledgers(settings)
    if plan.evm_kind != "node":
        return plan, None
    try:
        return plan, start_node(plan)
    except NodeUnavailable as exc:
        os.environ[NODE_ERROR_ENV] = str(exc)
        return plan_ledgers(settings, node_error=str(exc)), None


def _ours_running(plan: LedgerPlan) -> bool:
    """True when the node answering on the planned port serves this data directory's chain."""
    from anchoring.evm.node import NodeError, chain_identity, read_identity

    try:
        expected = read_identity(plan.node)
        return expected is not None and chain_identity(plan.node.url, timeout=1.0) == expected
    except (NodeError, OSError, ValueError, KeyError):
        return False


@contextlib.contextmanager
def reading_node(settings: Settings) -> Iterator[LedgerPlan]:
    """The ledger plan for a command that reads the chain, with the local node up meanwhile."""
    plan = plan_ledgers(settings)
    if plan.evm_kind == "node" and not plan.node.identity_path.exists():
        # the node never ran on this data directory: there is no chain to read
        yield LedgerPlan(plan.fabric_profile, problem="the local EVM node never ran here")
        return
    if plan.evm_kind != "node" or _ours_running(plan):
        yield plan
        return
    try:
        supervisor = start_node(plan)
    except NodeUnavailable as exc:
        yield plan_ledgers(settings, node_error=str(exc))
        return
    try:
        yield plan
    finally:
        supervisor.stop()
