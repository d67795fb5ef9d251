"""Readiness probe: is every peer's Gateway able to run the chaincode, with both orgs?

    python -m anchoring.fabric.probe network/run/profile.json [--timeout 90]

For each peer in the profile: an Evaluate (that peer's Gateway reaches the
chaincode server) and an Endorse without submit (the Gateway found endorsers of
both orgs: on a fresh network gossip needs a moment before it can). Then all
peers must report the same block height: a peer restarted behind the others
would otherwise endorse on stale state (answering GAP or UNREGISTERED for
writes it has not caught up with). Nothing is written to the ledger. Exit 0
when all pass before the deadline, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import time

from fabric_protos.common import ledger_pb2

from ledger_proof.ledgers.fabric.errors import FabricError
from ledger_proof.ledgers.fabric.gateway import Gateway, PeerTarget, Timeouts
from ledger_proof.ledgers.fabric.identity import SigningIdentity
from ledger_proof.ledgers.fabric.profile import load_profile

#: The contract API's system contract; read-only and always present.
PROBE_FUNCTION = "org.hyperledger.fabric:get_metadata"


def probe(profile_path: str, timeout: float, interval: float = 0.5) -> list[str]:
    """Return the problems left at the deadline (empty list: ready)."""
    profile = load_profile(profile_path)
    identity = profile.identity.load()
    short = Timeouts(evaluate=5, endorse=10, submit=5, commit_status=10)
    pending = {peer.name: peer for peer in profile.peers}
    problems: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while pending:
        for name, peer in list(pending.items()):
            try:
                with Gateway(peer, identity, timeouts=short) as gw:
                    gw.evaluate(profile.channel, profile.chaincode, PROBE_FUNCTION)
                    gw.endorse(profile.channel, profile.chaincode, PROBE_FUNCTION)
            except FabricError as exc:
                problems[name] = str(exc)
                continue
            problems.pop(name, None)
            del pending[name]
        if not pending or time.monotonic() >= deadline:
            break
        time.sleep(interval)
    if pending:
        return [f"{name}: {problems.get(name, 'not checked')}" for name in pending]
    while True:
        heights: dict[str, int | str]
        try:
            heights = {
                peer.name: chain_height(peer, identity, profile.channel, short)
                for peer in profile.peers
            }
        except FabricError as exc:
            heights = {"error": str(exc)}
        if len(set(heights.values())) == 1:
            return []
        if time.monotonic() >= deadline:
            return [f"block heights differ: {heights}"]
        time.sleep(interval)


def chain_height(
    peer: PeerTarget, identity: SigningIdentity, channel: str, timeouts: Timeouts
) -> int:
    """The peer's own block height (qscc GetChainInfo, evaluated on its org only)."""
    with Gateway(peer, identity, timeouts=timeouts) as gw:
        raw = gw.evaluate(channel, "qscc", "GetChainInfo", [channel], target_orgs=[peer.mspid])
    return int(ledger_pb2.BlockchainInfo.FromString(raw).height)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Wait until every peer's Gateway answers.")
    parser.add_argument("profile")
    parser.add_argument("--timeout", type=float, default=90.0)
    args = parser.parse_args(argv)
    try:
        problems = probe(args.profile, args.timeout)
    except FabricError as exc:
        print(f"probe: {exc}", file=sys.stderr)
        return 1
    for line in problems:
        print(f"not ready: {line}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
