"""``credit-verify``: check a proof bundle or a credit certificate with what you pinned,
or recompute a recorded credit score.

    credit-verify bundle FILE --key B64 [--fabric PROFILE] [--evm URL --evm-registry 0x..]
    credit-verify certificate FILE --key B64 [--evm URL --evm-registry 0x.. --evm-token 0x..]
    credit-verify rescore SCORE_EVENT --spec SPEC | --registration EVENT
                          --inputs INPUTS --inputs-salt HEX

Exit codes: 0 VALID, 1 INVALID, 2 UNVERIFIED (nothing pinned held) or unusable input.
rescore: 0 when every recorded number follows from the model and the inputs, 1 naming
the first difference, 2 when a file cannot be used.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ledger_proof.bundle import BundleFormatError
from ledger_proof.certificates.verify import CertificateFormatError
from ledger_proof.files import (
    Pins,
    UsageError,
    read_json,
    render,
    verify_bundle_document,
    verify_certificate_document,
)
from ledger_proof.scoring.files import rescore_files

EXIT_UNUSABLE = 2


def _pins(args: argparse.Namespace) -> Pins:
    return Pins(keys=tuple(args.key or ()), fabric_profile=args.fabric, evm_url=args.evm,
                evm_registry=args.evm_registry, evm_chain_id=args.evm_chain_id,
                evm_token=getattr(args, "evm_token", None))


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path)
    parser.add_argument("--key", action="append", metavar="B64",
                        help="pin the service's base64 Ed25519 public key (repeatable)")
    parser.add_argument("--fabric", type=Path, metavar="PROFILE",
                        help="Fabric connection profile: read headers and the ledger's keys "
                             "from the channel through your own peer (needs the 'fabric' extra)")
    parser.add_argument("--evm", metavar="URL", help="EVM JSON-RPC node to read anchors from")
    parser.add_argument("--evm-registry", metavar="ADDRESS",
                        help="the AnchorRegistry address you trust (never the receipt's)")
    parser.add_argument("--evm-chain-id", type=int, metavar="ID",
                        help="refuse a node that serves another chain")
    parser.add_argument("--json", action="store_true", help="print the verdict as JSON")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="credit-verify", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    bundle = sub.add_parser("bundle", help="check a proof bundle (v1)")
    _common(bundle)
    cert = sub.add_parser("certificate", help="check a credit certificate (W3C VC)")
    _common(cert)
    cert.add_argument("--evm-token", metavar="ADDRESS",
                      help="the certificate token contract you trust")
    cert.add_argument("--status-list", type=Path, metavar="FILE",
                      help="a saved status list credential instead of fetching its URL")
    rescore = sub.add_parser(
        "rescore", help="recompute a recorded credit score from its model and inputs",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=RESCORE_HELP)
    rescore.add_argument("file", type=Path, metavar="SCORE_EVENT",
                         help="the score.computed event, its proof bundle, or its payload")
    model = rescore.add_mutually_exclusive_group(required=True)
    model.add_argument("--spec", type=Path, metavar="SPEC",
                       help="the model's specification (JSON, e.g. a scorecard/v1)")
    model.add_argument("--registration", type=Path, metavar="EVENT",
                       help="the model.registered event (or its proof bundle) holding the spec")
    rescore.add_argument("--inputs", type=Path, metavar="INPUTS", required=True,
                         help='the inputs document: {"indicators": {id: {"value", "unit"}}}')
    rescore.add_argument("--inputs-salt", metavar="HEX", required=True,
                         help="the 32-byte salt of the inputs digest, as 64 hex characters")
    rescore.add_argument("--json", action="store_true",
                         help="accepted for symmetry: rescore always prints JSON")
    return parser


RESCORE_HELP = """\
Recompute a score.computed event offline and compare every recorded number.

The model is the spec (--spec) or the spec inside its model.registered event
(--registration, whose model_hash must be the spec's hash). The inputs and the
salt come from whoever submitted the score. Checked in order: model_hash,
model_id, model_version, the inputs (every indicator present, integer, in its
unit and valid range), each factor, each dimension, the score, the grade, and
inputs_digest = SHA-256(salt || JCS(inputs)). Prints a JSON report: ok,
first_difference, every check with its detail, the recomputed values.

Exit codes: 0 everything follows, 1 a difference (named in first_difference),
2 a file that cannot be read or used (not JSON, not a valid spec, a bad salt).
"""


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "rescore":
        return _rescore(args)
    try:
        doc = read_json(args.file)
        if args.command == "bundle":
            verdict = verify_bundle_document(doc, _pins(args))
        else:
            verdict = verify_certificate_document(doc, _pins(args), args.status_list)
    except (UsageError, BundleFormatError, CertificateFormatError) as exc:
        print(f"credit-verify: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    if args.json:
        print(json.dumps(verdict.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(render(verdict))
    return verdict.exit_code


def _rescore(args: argparse.Namespace) -> int:
    try:
        report = rescore_files(args.file, spec=args.spec, registration=args.registration,
                               inputs=args.inputs, salt_hex=args.inputs_salt)
    except UsageError as exc:
        print(f"credit-verify: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
