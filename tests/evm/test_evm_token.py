"""CreditCertificateToken through CertificateToken: soulbound ERC-721 + ERC-5192."""

from __future__ import annotations

import hashlib

import pytest
from web3 import Web3
from web3.logs import DISCARD

from anchoring.evm.errors import ContractReverted, TokenConflict, TokenNotFound
from anchoring.evm.token import (
    ERC721_INTERFACE_ID,
    ERC5192_INTERFACE_ID,
    CertificateToken,
    credential_uri,
    token_checks,
    token_id_for_certificate,
)

from .conftest import Env

CREDENTIAL = hashlib.sha256(b"credential-1").hexdigest()
HOLDER = Web3.to_checksum_address("0x" + "ab" * 20)


def _token(env: Env) -> CertificateToken:
    return CertificateToken(env.chain, env.deployment.certificate_token)


def test_token_id_is_sha256_of_the_certificate_id() -> None:
    tid = token_id_for_certificate("CC-2026-000001")
    assert tid == int(hashlib.sha256(b"CC-2026-000001").hexdigest(), 16)
    assert tid != token_id_for_certificate("CC-2026-000002")
    assert credential_uri(CREDENTIAL) == f"urn:credential:sha256:{CREDENTIAL}"
    with pytest.raises(ValueError):
        credential_uri(CREDENTIAL.upper())


def test_mint_locks_and_commits_to_the_credential_hash(env: Env) -> None:
    token = _token(env)
    tid = token_id_for_certificate("CC-1")
    assert token.status(tid)["exists"] is False
    receipt = token.mint(HOLDER, tid, CREDENTIAL)
    assert receipt["token_id"] == str(tid)  # uint256 ids exceed JSON's safe integers
    assert receipt["contract"] == env.deployment.certificate_token
    status = token.status(tid)
    assert status["exists"] is True
    assert status["locked"] is True
    assert status["revoked"] is False
    assert status["owner"] == HOLDER
    assert status["token_uri"] == credential_uri(CREDENTIAL)
    assert status["credential_hash"] == CREDENTIAL
    # ERC-5192: Locked(tokenId) is emitted at mint
    mined = env.chain.w3.eth.get_transaction_receipt(receipt["tx_hash"])
    locked_events = token.contract.events.Locked().process_receipt(mined, errors=DISCARD)
    assert [e["args"]["tokenId"] for e in locked_events] == [tid]


def test_mint_is_idempotent_and_refuses_a_conflicting_mint(env: Env) -> None:
    token = _token(env)
    tid = token_id_for_certificate("CC-2")
    first = token.mint(HOLDER, tid, CREDENTIAL)
    assert token.mint(HOLDER, tid, CREDENTIAL) == first
    with pytest.raises(TokenConflict):
        token.mint(HOLDER, tid, hashlib.sha256(b"other").hexdigest())
    with pytest.raises(TokenConflict):
        token.mint(Web3.to_checksum_address("0x" + "cd" * 20), tid, CREDENTIAL)
    with pytest.raises(ContractReverted) as raw:  # the contract refuses a second mint itself
        env.chain.transact(token.contract.functions.mint(HOLDER, tid, bytes.fromhex(CREDENTIAL)))
    assert raw.value.name == "AlreadyMinted"


def test_every_transfer_and_approval_reverts(env: Env) -> None:
    token = _token(env)
    tid = token_id_for_certificate("CC-3")
    token.mint(env.chain.sender, tid, CREDENTIAL)  # held by the sender, so it *could* move
    fns = token.contract.functions
    owner, target = env.chain.sender, env.other.sender
    attempts = [
        fns.transferFrom(owner, target, tid),
        fns.safeTransferFrom(owner, target, tid),
        fns.safeTransferFrom(owner, target, tid, b"data"),
        fns.approve(target, tid),
        fns.setApprovalForAll(target, True),
    ]
    for attempt in attempts:
        with pytest.raises(ContractReverted) as info:
            env.chain.transact(attempt)
        assert info.value.name == "Soulbound"
    assert token.status(tid)["owner"] == owner


def test_revocation_is_visible_and_distinct_from_never_issued(env: Env) -> None:
    token = _token(env)
    tid = token_id_for_certificate("CC-4")
    token.mint(HOLDER, tid, CREDENTIAL)
    receipt = token.revoke(tid)
    assert token.revoke(tid) == receipt  # revoking again is a no-op
    status = token.status(tid)
    assert status["exists"] and status["revoked"] and status["locked"]
    assert status["token_uri"] == credential_uri(CREDENTIAL)
    assert env.chain.call(token.contract.functions.revoked(tid)) is True
    never = token_id_for_certificate("CC-never")
    assert token.status(never) == dict(
        token.status(never), exists=False, revoked=False, owner=None, token_uri=None
    )
    with pytest.raises(TokenNotFound):
        token.revoke(never)
    with pytest.raises(ContractReverted) as raw:  # ERC-5192: queries on a non-token throw
        env.chain.call(token.contract.functions.locked(never))
    assert raw.value.name == "ERC721NonexistentToken"
    # a revoked id can never be minted again
    with pytest.raises(TokenConflict):
        token.mint(HOLDER, tid, hashlib.sha256(b"reissue").hexdigest())


def test_supports_erc721_erc5192_and_erc165(env: Env) -> None:
    token = _token(env)
    assert bytes.fromhex("b45a3c0e") == ERC5192_INTERFACE_ID
    assert token.supports_interface(ERC5192_INTERFACE_ID)
    assert token.supports_interface(ERC721_INTERFACE_ID)
    assert token.supports_interface(bytes.fromhex("5b5e139f"))  # ERC-721 metadata
    assert token.supports_interface(bytes.fromhex("01ffc9a7"))  # ERC-165
    assert not token.supports_interface(bytes.fromhex("ffffffff"))


def test_only_the_owner_mints_and_revokes(env: Env) -> None:
    token = _token(env)
    outsider = CertificateToken(env.other, env.deployment.certificate_token)
    tid = token_id_for_certificate("CC-5")
    with pytest.raises(ContractReverted) as info:
        outsider.mint(HOLDER, tid, CREDENTIAL)
    assert info.value.name == "OwnableUnauthorizedAccount"
    token.mint(HOLDER, tid, CREDENTIAL)
    with pytest.raises(ContractReverted) as info:
        outsider.revoke(tid)
    assert info.value.name == "OwnableUnauthorizedAccount"
    assert token.status(tid)["revoked"] is False


def test_token_checks_for_the_verifier(env: Env) -> None:
    token = _token(env)
    tid = token_id_for_certificate("CC-6")

    def verdict(credential: str = CREDENTIAL) -> dict[str, bool]:
        return {c["name"]: c["ok"] for c in token_checks(token.status(tid), credential)}

    assert not any(verdict().values())  # never minted: every check fails
    token.mint(HOLDER, tid, CREDENTIAL)
    assert all(verdict().values())
    assert verdict(hashlib.sha256(b"tampered").hexdigest())["token.uri_matches"] is False
    token.revoke(tid)
    assert verdict() == {"token.exists": True, "token.locked": True,
                         "token.not_revoked": False, "token.uri_matches": True}
