"""Run the evidence chaincode as a service (the peer connects to us over gRPC).

    python -m chaincode.evidence.server --address 127.0.0.1:9999 \
        --tls-key key.pem --tls-cert cert.pem --client-ca ca.pem

Options default to environment variables (CHAINCODE_ID, CHAINCODE_SERVER_ADDRESS,
CHAINCODE_TLS_KEY, CHAINCODE_TLS_CERT, CHAINCODE_CLIENT_CA_CERT) so the network
script can start it with a plain environment. The shim serves plaintext without
complaint when key or cert are missing, so plaintext must be asked for with
``--insecure``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from fabric_chaincode_python.fabric_contract_api.contractapi import ContractChaincode

from chaincode.evidence import shim_fixes
from chaincode.evidence.contract import EvidenceContract

LOG = logging.getLogger("chaincode.evidence")


class ServerConfigError(Exception):
    """The server was started without what it needs; printed, not traced."""


def _read(path: str | None) -> bytes | None:
    if not path:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ServerConfigError(f"cannot read {path}: {exc}") from exc


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ccid", default=env("CHAINCODE_ID") or env("CORE_CHAINCODE_ID_NAME"))
    parser.add_argument("--address", default=env("CHAINCODE_SERVER_ADDRESS"))
    parser.add_argument("--tls-key", default=env("CHAINCODE_TLS_KEY"))
    parser.add_argument("--tls-cert", default=env("CHAINCODE_TLS_CERT"))
    parser.add_argument("--client-ca", default=env("CHAINCODE_CLIENT_CA_CERT"))
    parser.add_argument("--insecure", action="store_true", help="serve without TLS")
    parser.add_argument("--log-level", default=env("CHAINCODE_LOG_LEVEL", "INFO"))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    shim_fixes.apply()
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s %(message)s")
    shim_fixes.quiet_logging()
    LOG.setLevel(args.log_level.upper())
    try:
        if not args.ccid or not args.address:
            raise ServerConfigError("--ccid (CHAINCODE_ID) and --address are required")
        key, cert, client_ca = _read(args.tls_key), _read(args.tls_cert), _read(args.client_ca)
        if not (key and cert) and not args.insecure:
            raise ServerConfigError("TLS key and cert are required (or pass --insecure)")
    except ServerConfigError as exc:
        print(f"chaincode server: {exc}", file=sys.stderr)
        return 2
    chaincode = ContractChaincode.new_chaincode(EvidenceContract())
    LOG.info(
        "evidence chaincode %s listening on %s (%s)",
        args.ccid,
        args.address,
        "mutual TLS" if client_ca else "TLS" if key else "PLAINTEXT",
    )
    os.environ["CHAINCODE_ID"] = args.ccid
    os.environ["CHAINCODE_SERVER_ADDRESS"] = args.address
    try:
        chaincode.start(
            cc_id=args.ccid, address=args.address, key=key, cert=cert, client_ca_certs=client_ca
        )
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
