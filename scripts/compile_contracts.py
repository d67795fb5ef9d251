"""Compile the EVM contracts (anchoring/evm/contracts) into anchoring/evm/artifacts.

    python scripts/compile_contracts.py          # (re)write the committed artifacts
    python scripts/compile_contracts.py --check  # exit 1 if they are stale

Uses solc-js and OpenZeppelin pinned by anchoring/evm/package-lock.json
(``npm ci`` runs first if node_modules is missing). Commit the artifacts after
changing a contract: the service loads them and never compiles at run time.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from anchoring.evm.compiler import (
    CompileFailed,
    CompilerUnavailable,
    compile_contracts,
    stale_artifacts,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare a fresh build with the committed artifacts")
    args = parser.parse_args(argv)
    try:
        if args.check:
            stale = stale_artifacts()
            if stale:
                print("stale artifacts (run scripts/compile_contracts.py):", ", ".join(stale))
                return 1
            print("artifacts match the sources")
            return 0
        for path in compile_contracts():
            print(f"wrote {path.name}")
        return 0
    except (CompilerUnavailable, CompileFailed) as exc:
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
