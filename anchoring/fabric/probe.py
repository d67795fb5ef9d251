"""Readiness probe: is every peer's Gateway able to run the chaincode, with both orgs?

    python -m anchoring.fabric.probe network/run/profile.json [--timeout 90]

For each peer in the profile: an Evaluate (that peer's Gateway reaches the
chaincode server) and an Endorse without submit (the Gateway found endorsers of
both orgs: on a fresh network gossip needs a moment before it can). Nothing is
written to the ledger. Exit 0 when all pass before the deadline, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import time

from anchoring.fabric.errors import FabricError
from anchoring.fabric.gateway import Gateway, Timeouts
from anchoring.fabric.profile import load_profile

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
    return [f"{name}: {problems.get(name, 'not checked')}" for name in pending]


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
