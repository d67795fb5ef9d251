"""CertificateToken: mint, revoke and inspect soulbound credit-certificate tokens.

One CreditCertificateToken per issued certificate: ERC-721 + ERC-5192 (always
locked, every transfer and approval reverts). Revocation marks the token, it
does not burn it, so ``status`` tells "revoked" (exists, revoked) apart from
"never issued" (exists False). The token URI is computed on chain as
``urn:credential:sha256:<credential hash hex>``; a verifier compares it with
the hash of the credential it was handed (``credential_uri``).

Token ids: ``token_id_for_certificate(certificate_id)`` = SHA-256 of the
certificate id's UTF-8 bytes read as a big-endian uint256, so anyone holding a
certificate can find its token without asking the platform. Token ids exceed
JSON's safe integers, so receipts and status carry them as decimal strings.
"""

from __future__ import annotations

import re
from typing import Any

from web3 import Web3

from ledger_proof.certificates.token import URI_PREFIX, token_checks, token_id_for_certificate

from .artifact import CERTIFICATE_TOKEN
from .chain import Chain
from .errors import ContractReverted, TokenConflict, TokenNotFound

ERC721_INTERFACE_ID = bytes.fromhex("80ac58cd")
ERC5192_INTERFACE_ID = bytes.fromhex("b45a3c0e")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_MISSING = frozenset({"ERC721NonexistentToken"})


def credential_uri(credential_hash: str) -> str:
    """The token URI the contract reports for a credential hash (64 lowercase hex)."""
    return URI_PREFIX + _hash32(credential_hash).hex()


def _hash32(value: str) -> bytes:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise ValueError("credential_hash must be 64 lowercase hex characters")
    return bytes.fromhex(value)


class CertificateToken:
    """Client of one deployed CreditCertificateToken; the chain's sender must own it.

    ``CertificateToken(chain, token_address)``; all writes are idempotent so the
    certificate service can retry them after an EvmUnavailable.
    """

    def __init__(self, chain: Chain, address: str, *, verify_code: bool = True) -> None:
        self.chain = chain
        if verify_code:
            chain.require_code(CERTIFICATE_TOKEN, address)
        self.contract = chain.contract(CERTIFICATE_TOKEN, address)
        self.address = self.contract.address

    def mint(self, to: str, token_id: int, credential_hash: str) -> dict[str, Any]:
        """Mint token_id to ``to``, committing to credential_hash; returns the receipt.

        Minting an identical token again returns the original mint's receipt;
        the same id with another owner or hash raises TokenConflict.
        """
        owner = Web3.to_checksum_address(to)
        digest = _hash32(credential_hash)
        current = self._certificate(token_id)
        if current is None:
            try:
                receipt = self.chain.transact(
                    self.contract.functions.mint(owner, token_id, digest)
                )
                return self._receipt(token_id, receipt["transactionHash"], receipt["blockNumber"])
            except ContractReverted as exc:
                if exc.name != "AlreadyMinted":
                    raise
                current = self._certificate(token_id)
                if current is None:
                    raise
        stored_hash, minted_at, _revoked_at, stored_owner = current
        if stored_hash != digest or stored_owner != owner:
            raise TokenConflict(
                f"token {token_id} is already minted to {stored_owner} for "
                f"credential {stored_hash.hex()}"
            )
        return self._receipt(token_id, self._mint_tx(token_id, minted_at), minted_at)

    def revoke(self, token_id: int) -> dict[str, Any]:
        """Mark the token revoked; revoking again returns a receipt without a new mark."""
        current = self._certificate(token_id)
        if current is None:
            raise TokenNotFound(f"token {token_id} was never minted")
        revoked_at = current[2]
        if revoked_at:
            return self._receipt(token_id, self._revoke_tx(token_id, revoked_at), revoked_at)
        receipt = self.chain.transact(self.contract.functions.revoke(token_id))
        return self._receipt(token_id, receipt["transactionHash"], receipt["blockNumber"])

    def status(self, token_id: int) -> dict[str, Any]:
        """What a verifier checks: exists, locked, revoked, owner, token_uri, credential_hash."""
        current = self._certificate(token_id)
        if current is None:
            return {
                "token_id": str(token_id),
                "contract": self.address,
                "chain_id": self.chain.chain_id,
                "exists": False,
                "locked": False,
                "revoked": False,
                "owner": None,
                "token_uri": None,
                "credential_hash": None,
            }
        stored_hash, _minted_at, revoked_at, owner = current
        fns = self.contract.functions
        return {
            "token_id": str(token_id),
            "contract": self.address,
            "chain_id": self.chain.chain_id,
            "exists": True,
            "locked": bool(self.chain.call(fns.locked(token_id))),
            "revoked": revoked_at != 0,
            "owner": owner,
            "token_uri": self.chain.call(fns.tokenURI(token_id)),
            "credential_hash": stored_hash.hex(),
        }

    def supports_interface(self, interface_id: bytes) -> bool:
        return bool(self.chain.call(self.contract.functions.supportsInterface(interface_id)))

    # -- internals -------------------------------------------------------------

    def _certificate(self, token_id: int) -> tuple[bytes, int, int, str] | None:
        """(credential hash, minted block, revoked block, owner), or None if never minted."""
        fns = self.contract.functions
        try:
            cert_hash, minted_at, revoked_at = self.chain.call(fns.certificate(token_id))
            owner = self.chain.call(fns.ownerOf(token_id))
        except ContractReverted as exc:
            if exc.name in _MISSING:
                return None
            raise
        return bytes(cert_hash), int(minted_at), int(revoked_at), owner

    def _mint_tx(self, token_id: int, block: int) -> str | None:
        with self.chain.reading():
            logs = self.contract.events.Transfer().get_logs(
                from_block=block, to_block=block, argument_filters={"tokenId": token_id}
            )
        return logs[0]["transactionHash"].to_0x_hex() if logs else None

    def _revoke_tx(self, token_id: int, block: int) -> str | None:
        with self.chain.reading():
            logs = self.contract.events.Revoked().get_logs(
                from_block=block, to_block=block, argument_filters={"tokenId": token_id}
            )
        return logs[0]["transactionHash"].to_0x_hex() if logs else None

    def _receipt(self, token_id: int, tx_hash: Any, block_number: int) -> dict[str, Any]:
        if isinstance(tx_hash, bytes | bytearray):
            tx_hash = "0x" + bytes(tx_hash).hex()
        return {
            "backend": "evm",
            "chain_id": self.chain.chain_id,
            "contract": self.address,
            "token_id": str(token_id),
            "tx_hash": tx_hash,
            "block_number": int(block_number),
        }


__all__ = ["URI_PREFIX", "CertificateToken", "credential_uri", "token_checks",
           "token_id_for_certificate"]
