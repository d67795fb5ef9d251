"""EVM side of the ledger: the AnchorRegistry second anchor and soulbound certificate tokens.

    from anchoring.evm import connect, deploy_contracts, EvmBackend, CertificateToken
    chain = connect()                       # eth-tester in process; connect(url) for a node
    dep = deploy_contracts(chain)           # persist dep.to_dict(); attach() it next time
    backend = EvmBackend(chain, dep.anchor_registry)
    tokens = CertificateToken(chain, dep.certificate_token)
"""

from .backend import EvmBackend, header_to_call, ledger_key
from .chain import (
    ANVIL_DEV_KEY,
    Chain,
    Deployment,
    attach,
    connect,
    connect_from_env,
    deploy_contracts,
    ensure_deployed,
)
from .errors import (
    ArtifactError,
    ContractNotDeployed,
    ContractReverted,
    EvmError,
    EvmUnavailable,
    ReadOnlyChain,
    TokenConflict,
    TokenNotFound,
    TransactionReverted,
)
from .token import CertificateToken, credential_uri, token_checks, token_id_for_certificate

__all__ = [
    "ANVIL_DEV_KEY",
    "ArtifactError",
    "CertificateToken",
    "Chain",
    "ContractNotDeployed",
    "ContractReverted",
    "Deployment",
    "EvmBackend",
    "EvmError",
    "EvmUnavailable",
    "ReadOnlyChain",
    "TokenConflict",
    "TokenNotFound",
    "TransactionReverted",
    "attach",
    "connect",
    "connect_from_env",
    "credential_uri",
    "deploy_contracts",
    "ensure_deployed",
    "header_to_call",
    "ledger_key",
    "token_checks",
    "token_id_for_certificate",
]
