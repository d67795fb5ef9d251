"""Issuing, reading and revoking credit certificates: the steps, in the order that is safe.

Issue: latest sealed score -> its proof bundle -> a status-list slot (which is
also the serial in the certificate number) -> the signed credential -> token
minted and hash registered on Fabric -> ``certificate.issued`` event -> record.
Ledger writes come before the event so that the event, once recorded, states
something that already holds; every ledger write is idempotent, so a retry
after a failure repeats nothing.

Revoke: status-list bit first (what verifiers read), then Fabric, then the
token, then ``certificate.revoked``. Revoking twice answers the first revocation.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import select

from ledger_proof.certificates import status_list
from ledger_proof.certificates.dataintegrity import add_proof
from ledger_proof.certificates.multibase import did_key, did_key_method
from ledger_proof.timefmt import now, to_text
from ledger_service.certificates import credential as cred
from ledger_service.certificates.store import CertificateStore
from ledger_service.core.errors import Conflict, InvalidInput, LedgerError, NotFound
from ledger_service.evidence.schemas import EVENT_ADAPTER
from ledger_service.evidence.story import ENTERPRISES
from ledger_service.store.tables import EVENTS

NUMBER_PREFIX = "HXCR"
NAME_KEY = "enterprise.name."


class NoSealedScore(LedgerError):
    code, status = "no_sealed_score", 409


class LedgerUnavailable(LedgerError):
    code, status = "ledger_unavailable", 503


#: (org, events) -> recorded results; the API and demo pass the ledger's recorder.
RecordFn = Callable[[str, Sequence[Any]], Any]


def certificate_number(index: int, year: int) -> str:
    """评级编号: HXCR-<year>-<serial>, the serial being the status-list slot plus one."""
    return f"{NUMBER_PREFIX}-{year}-{index + 1:06d}"


def _whole_seconds(moment: Any) -> str:
    return to_text(moment.replace(microsecond=0))


class CertificateService:
    """One per ledger context (``CertificateService.of(ctx)``)."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.store = CertificateStore(ctx.engine)
        self._lock = threading.Lock()

    @classmethod
    def of(cls, ctx: Any) -> CertificateService:
        service = ctx.extras.get("certificates")
        if service is None:
            service = ctx.extras["certificates"] = cls(ctx)
        return service

    # ---------------------------------------------------------------- identity

    @property
    def public_key(self) -> bytes:
        return self.ctx.key.public_key

    def issuer(self) -> dict[str, Any]:
        return {"id": did_key(self.public_key), "name": self.ctx.settings.issuer_name}

    def list_url(self, list_id: int = 0) -> str:
        return f"{self.ctx.settings.public_url.rstrip('/')}/v1/status-lists/{list_id}"

    def verify_url(self, record: dict[str, Any]) -> str:
        base = self.ctx.settings.public_url.rstrip("/")
        return f"{base}/verify?id={record['id']}&hash={record['credential_hash']}"

    def sign(self, document: dict[str, Any]) -> dict[str, Any]:
        return add_proof(document, self.ctx.key.signing_key,
                         verification_method=did_key_method(self.public_key),
                         created=_whole_seconds(now()))

    # ---------------------------------------------------------------- ledgers

    def token_client(self) -> Any:
        """CertificateToken on the configured chain, or None when tokens are off."""
        if not self.ctx.settings.certificate_tokens:
            return None
        if "certificate_token" not in self.ctx.extras:
            from anchoring.evm.token import CertificateToken
            from ledger_service.pipeline.ledgers import evm_chain

            chain = evm_chain(self.ctx)
            address = self.ctx.extras["evm_deployment"].certificate_token
            self.ctx.extras["certificate_token"] = CertificateToken(chain, address)
        return self.ctx.extras["certificate_token"]

    def fabric(self) -> Any:
        """The attached Fabric backend if it has the certificate registry, else None."""
        for backend in self.ctx.backends:
            if backend.name == "fabric" and hasattr(backend, "register_certificate"):
                return backend
        return None

    # ---------------------------------------------------------------- reads

    def get(self, certificate_id: str) -> dict[str, Any]:
        return self.store.get(certificate_id)

    def enterprise_name(self, uscc: str) -> tuple[str | None, str | None]:
        stored = self.store._get(NAME_KEY + uscc)
        if stored:
            return stored.get("zh"), stored.get("en")
        for ent in ENTERPRISES:
            if ent.uscc == uscc:
                return ent.name_zh, ent.name_en
        return None, None

    def latest_score(self, uscc: str) -> str:
        """Id of the enterprise's most recent score.computed that a batch holds."""
        with self.ctx.engine.connect() as conn:
            rows = conn.execute(select(EVENTS.c.id, EVENTS.c.pos)
                                .where(EVENTS.c.enterprise_id == uscc)
                                .where(EVENTS.c.type == "score.computed")
                                .where(EVENTS.c.body.is_not(None))
                                .order_by(EVENTS.c.pos.desc()).limit(50)).all()
        for row in rows:
            if self.ctx.reader.batch_of(row.pos) is not None:
                return row.id
        pending = " (its latest score is still pending; retry after the next seal)" \
            if rows else ""
        raise NoSealedScore(f"enterprise {uscc} has no sealed score.computed{pending}",
                            enterprise_id=uscc)

    def status_list_credential(self, list_id: int) -> dict[str, Any]:
        if list_id != 0:
            raise NotFound(f"no status list {list_id}")
        revoked = [i for i in self.store.revoked_indexes() if i < status_list.LIST_BITS]
        doc = status_list.list_credential(self.list_url(list_id), self.issuer(), revoked,
                                          _whole_seconds(now()))
        return self.sign(doc)

    # ---------------------------------------------------------------- writes

    def _record(self, record_fn: RecordFn | None, org: str, event: dict[str, Any]) -> str:
        validated = EVENT_ADAPTER.validate_json(
            orjson.dumps(event), context={"uscc_allowlist": self.ctx.settings.allowlist})
        recorder = record_fn or self.ctx.recorder.record
        return recorder(org, [validated])[0].id

    def issue(self, org: str, uscc: str, *, name_zh: str | None = None,
              name_en: str | None = None, holder: str | None = None,
              record_fn: RecordFn | None = None) -> dict[str, Any]:
        """Issue a certificate from the enterprise's latest sealed score; the stored record."""
        score_id = self.latest_score(uscc)
        bundle = self.ctx.reader.proof(score_id)
        if name_zh or name_en:
            self.store._put(NAME_KEY + uscc, {"zh": name_zh, "en": name_en})
        known_zh, known_en = self.enterprise_name(uscc)
        subject = cred.Subject(uscc, name_zh or known_zh, name_en or known_en)
        tokens = self.token_client()
        owner = self._holder(tokens, holder)
        certificate_id, credential_id = cred.new_ids()
        index = self.store.claim_slot(certificate_id)
        issued = now()
        number = certificate_number(index, issued.year)
        token = None
        if tokens is not None:
            from anchoring.evm.token import token_id_for_certificate

            token = {"type": "SoulboundToken", "standard": "ERC-721 + ERC-5192",
                     "chain": f"eip155:{tokens.chain.chain_id}", "contract": tokens.address,
                     "tokenId": str(token_id_for_certificate(certificate_id))}
        valid_until = issued + timedelta(days=self.ctx.settings.certificate_valid_days)
        unsigned = cred.build(
            credential_id=credential_id, number=number, issuer=self.issuer(), subject=subject,
            score_event=bundle["event"], bundle=bundle, valid_from=_whole_seconds(issued),
            valid_until=_whole_seconds(valid_until),
            status=status_list.entry(self.list_url(0), index), token=token)
        credential = self.sign(unsigned)
        digest = cred.credential_hash(credential)
        record: dict[str, Any] = {
            "id": certificate_id, "number": number, "enterprise_id": uscc,
            "status_index": index, "credential_hash": digest, "score_event": score_id,
            "issued_at": to_text(issued), "issued_by": org, "status": "issuing",
            "credential": credential, "token": None, "fabric": None, "issued_event": None,
            "revocation": None}
        self.store.save(record)
        record["token"] = self._ledger(lambda: tokens.mint(owner, int(token["tokenId"]), digest)
                                       ) if tokens is not None and token is not None else None
        fabric = self.fabric()
        if fabric is not None:
            record["fabric"] = self._ledger(
                lambda: fabric.register_certificate(certificate_id, digest))["receipt"]
        record["issued_event"] = self._record(record_fn, org, {
            "type": "certificate.issued", "enterprise_id": uscc,
            "occurred_at": to_text(issued), "refs": [score_id],
            "payload": {"certificate_id": certificate_id, "credential_hash": digest}})
        record["status"] = "active"  # "issuing" stays behind only if a step above failed
        self.store.save(record)
        return record

    def revoke(self, certificate_id: str, reason: str, org: str,
               record_fn: RecordFn | None = None) -> dict[str, Any]:
        if not isinstance(reason, str) or not reason.strip() or len(reason) > 500:
            raise InvalidInput("a revocation needs a reason (1 to 500 characters)")
        with self._lock:
            record = self.store.get(certificate_id)
            if record["status"] == "revoked":
                return record
            self.store.mark_revoked(record["status_index"], certificate_id)
            revoked_at = to_text(now())
            record["status"] = "revoked"
            record["revocation"] = {"reason": reason, "at": revoked_at, "by": org,
                                    "fabric": None, "token": None, "event": None}
            self.store.save(record)
        fabric = self.fabric()
        if fabric is not None:
            record["revocation"]["fabric"] = self._ledger(
                lambda: fabric.revoke_certificate(certificate_id, reason))["receipt"]
        tokens = self.token_client() if record.get("token") else None
        if tokens is not None:
            record["revocation"]["token"] = self._ledger(
                lambda: tokens.revoke(int(record["token"]["token_id"])))
        record["revocation"]["event"] = self._record(record_fn, org, {
            "type": "certificate.revoked", "enterprise_id": record["enterprise_id"],
            "occurred_at": revoked_at, "refs": [record["score_event"]],
            "payload": {"certificate_id": certificate_id,
                        "credential_hash": record["credential_hash"]}})
        self.store.save(record)
        return record

    # ---------------------------------------------------------------- helpers

    @staticmethod
    def _holder(tokens: Any, holder: str | None) -> str | None:
        if tokens is None:
            return None
        if holder is None:
            return tokens.chain.sender  # the platform's custody address
        from web3 import Web3

        if not Web3.is_address(holder):
            raise InvalidInput("holder_address is not an EVM address", holder=holder)
        return Web3.to_checksum_address(holder)

    @staticmethod
    def _ledger(call: Callable[[], Any]) -> Any:
        """Run a ledger write; unreachable ledgers become a 503 the client may retry."""
        from anchoring.backend import AnchorError
        from anchoring.evm.errors import EvmError

        try:
            return call()
        except (AnchorError, EvmError) as exc:
            raise LedgerUnavailable(f"a ledger did not take the write: {exc}") from exc


__all__ = ["CertificateService", "Conflict", "LedgerUnavailable", "NoSealedScore", "verify_here"]


def verify_here(ctx: Any, doc: Any) -> Any:
    """Verify a certificate with everything this service can reach (the API's verifier).

    The status list is read locally, never fetched from a URL the document
    names (a verifier endpoint that fetched arbitrary URLs would be an SSRF);
    a list this service does not publish is a failed status check.
    """
    from ledger_proof.certificates.verify import verify_certificate
    from ledger_proof.ledgers.pinned import PinnedLedgers

    service = CertificateService.of(ctx)
    prefix = service.list_url(0).rsplit("/", 1)[0] + "/"

    def fetch(url: str) -> dict[str, Any]:
        if not url.startswith(prefix) or not url[len(prefix):].isdigit():
            raise ValueError("this service publishes no such status list")
        return service.status_list_credential(int(url[len(prefix):]))

    def tokens(binding: dict[str, Any]) -> dict[str, Any]:
        client = service.token_client()
        if client is None:
            raise ValueError("this service has no EVM chain configured")

        if binding.get("chain") != f"eip155:{client.chain.chain_id}":
            raise ValueError(f"token is on {binding.get('chain')}, this service reads "
                             f"eip155:{client.chain.chain_id}")
        # Only this service's own token contract is read: the address a
        # certificate names is a claim, and a forger can deploy a look-alike.
        return client.status(int(binding["tokenId"]))

    fabric = service.fabric()
    return verify_certificate(doc, trusted_keys=[ctx.key.public_key], status_fetcher=fetch,
                              fabric=fabric.get_certificate if fabric is not None else None,
                              tokens=tokens,
                              header_reader=PinnedLedgers({b.name: b for b in ctx.backends}))
