"""Measure time per anchor and per certificate mint on eth-tester and on anvil.

    python -m anchoring.evm.bench [-n 50] [--rpc-url URL] [--no-anvil]

Each anchor is the full client path the anchor worker takes (state read,
simulation, send, receipt); each mint likewise. Prints one JSON line per chain.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from .anvil import find_anvil, start_anvil
from .backend import EvmBackend
from .chain import ANVIL_DEV_KEY, Chain, connect, deploy_contracts
from .token import CertificateToken, token_id_for_certificate


def _headers(n: int) -> list[tuple[dict[str, Any], str]]:
    out, prev = [], "0" * 64
    for seq in range(n):
        header = {"version": 1, "ledger_id": "bench", "seq": seq, "prev_header_hash": prev,
                  "merkle_root": hashlib.sha256(str(seq).encode()).hexdigest(), "size": 1024,
                  "first_event": f"{seq}a", "last_event": f"{seq}z",
                  "sealed_at": "2026-11-26T10:00:00.000Z"}
        digest = hashlib.sha256(
            json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()
        out.append((header, digest))
        prev = digest
    return out


def _timed(actions: list[Callable[[], Any]]) -> list[float]:
    times = []
    for action in actions:
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"mean_ms": round(statistics.fmean(times), 2),
            "p50_ms": round(ordered[len(ordered) // 2], 2),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 2)}


def measure(chain: Chain, label: str, n: int) -> dict[str, Any]:
    dep = deploy_contracts(chain)
    backend = EvmBackend(chain, dep.anchor_registry)
    token = CertificateToken(chain, dep.certificate_token)
    headers = _headers(n)
    anchor_times = _timed([lambda h=h: backend.anchor(h[0], h[1], "") for h in headers])
    retry_times = _timed([lambda h=h: backend.anchor(h[0], h[1], "") for h in headers[:10]])
    mint_times = _timed([
        lambda i=i: token.mint(chain.sender, token_id_for_certificate(f"bench-{i}"),
                               hashlib.sha256(str(i).encode()).hexdigest())
        for i in range(n)
    ])
    return {"chain": label, "n": n, "anchor": _summary(anchor_times),
            "anchor_retry_noop": _summary(retry_times), "mint": _summary(mint_times)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="EVM anchor/mint timings")
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--rpc-url", help="also measure against this node")
    parser.add_argument("--private-key", help="key for --rpc-url (default: unlocked account)")
    parser.add_argument("--no-anvil", action="store_true")
    args = parser.parse_args(argv)
    print(json.dumps(measure(connect(), "eth-tester", args.n)))
    if not args.no_anvil:
        if find_anvil() is None:
            print(json.dumps({"chain": "anvil", "skipped": "anvil not found; npm ci first"}))
        else:
            with start_anvil() as node:
                chain = connect(node.url, private_key=ANVIL_DEV_KEY)
                print(json.dumps(measure(chain, "anvil", args.n)))
    if args.rpc_url:
        chain = connect(args.rpc_url, private_key=args.private_key)
        print(json.dumps(measure(chain, args.rpc_url, args.n)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
