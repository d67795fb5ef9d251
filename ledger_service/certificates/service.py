"""Issuing, reading and revoking credit certificates: the steps, in the order that is safe.

Issue: latest sealed score -> its proof bundle -> a status-list slot (which is
also the serial in the certificate number) -> the signed credential -> token
minted and hash registered on Fabric -> ``certificate.issued`` event -> record.
Ledger writes come before the event so that the event, once recorded, states
something that already holds; every ledger write is idempotent, so a retry
after a failure repeats nothing.

Revoke: status-list bit first (what verifiers read), then Fabric, then the
token, then ``certificate.revoked``. Revoking twice answers the first revocation.

An issuance that fails half way is revoked on the spot; one the process did not
survive (a crash) stays ``issuing``, signed, with its status bit clear, until
the recovery sweep (``recover``, run when the service starts and every
``RECOVERY_INTERVAL`` seconds after) revokes it once it is older than
``LEDGER_CERTIFICATE_ISSUE_TIMEOUT_SECONDS``; the same sweep finishes a
revocation whose ledger steps were cut off. Every change to a stored record is
a compare-and-set (``CertificateStore.update``), so an issuance finishing late
cannot overwrite its recovery, and two processes sweeping at once do the work
once. The certificate events carry ids derived from the certificate id, so a
step repeated after a crash is answered by intake instead of recorded twice.

Erasing the score a certificate states (``withdraw``, called by the erasure
endpoint and ``ledger erase`` before the payload goes) revokes the certificate
everywhere and redacts the stored record: the embedded proof bundle loses its
event and salt, the credit rating its score, grade, dimensions and model, as
the erased event did; what serves the revoked status stays (id, number, hash,
status index, receipts).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import select

from ledger_proof.certificates import status_list
from ledger_proof.certificates.dataintegrity import add_proof
from ledger_proof.certificates.multibase import did_key, did_key_method
from ledger_proof.timefmt import from_text, now, to_text
from ledger_service.certificates import credential as cred
from ledger_service.certificates.store import CertificateStore
from ledger_service.core.errors import Conflict, InvalidInput, LedgerError, NotFound
from ledger_service.evidence.schemas import EVENT_ADAPTER
from ledger_service.evidence.story import ENTERPRISES
from ledger_service.store.tables import ANCHORS, EVENTS

log = logging.getLogger(__name__)

NUMBER_PREFIX = "HXCR"
NAME_KEY = "enterprise.name."
#: Seconds between recovery sweeps inside a running service.
RECOVERY_INTERVAL = 30.0
#: Revocation reason of a certificate whose issuance did not finish.
INTERRUPTED = "issuance_interrupted"
#: What the credit rating keeps once its score was erased.
RATING_KEPT = ("type", "scoreEvent", "scoreRange")


class NoSealedScore(LedgerError):
    code, status = "no_sealed_score", 409


class NotAnchored(LedgerError):
    """Scores exist but none is anchored on a configured ledger (or none is configured)."""

    code, status = "not_anchored", 409


class LedgerUnavailable(LedgerError):
    code, status = "ledger_unavailable", 503


class IssuanceInterrupted(Conflict):
    """The issuance took so long that the recovery sweep revoked it meanwhile."""

    code = "issuance_interrupted"


def certificate_event_id(kind: str, certificate_id: str) -> str:
    """The id of a certificate's issued or revoked event: derived, so a repeat is a retry."""
    return "evt_" + hashlib.sha256(f"{kind}:{certificate_id}".encode()).hexdigest()[:32]


def redact(record: dict[str, Any], event_id: str, reason_code: str) -> dict[str, Any]:
    """The record with the erased score taken out of its credential (in place)."""
    credential = record["credential"]
    for evidence in credential.get("evidence") or []:
        bundle = evidence.get("proofBundle")
        if isinstance(bundle, dict):
            bundle["event"] = None
            bundle["salt"] = None
    subject = credential.get("credentialSubject") or {}
    rating = subject.get("creditRating") or {}
    subject["creditRating"] = {k: v for k, v in rating.items() if k in RATING_KEPT}
    record["erased"] = {"event": event_id, "reason_code": reason_code, "at": to_text(now())}
    return record


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
        """Id of the enterprise's latest score.computed whose batch a configured ledger holds.

        A certificate rests only on anchored evidence: a merely sealed score
        would make the certificate fail its own ``evidence.anchor`` check.
        """
        ledgers = sorted({b.name for b in self.ctx.backends})
        with self.ctx.engine.connect() as conn:
            rows = conn.execute(select(EVENTS.c.id, EVENTS.c.pos)
                                .where(EVENTS.c.enterprise_id == uscc)
                                .where(EVENTS.c.type == "score.computed")
                                .where(EVENTS.c.body.is_not(None))
                                .order_by(EVENTS.c.pos.desc()).limit(50)).all()
            if not rows:
                raise NoSealedScore(f"enterprise {uscc} has no score.computed to certify",
                                    enterprise_id=uscc)
            if not ledgers:
                raise NotAnchored("no ledger is configured, so no score is anchored: configure "
                                  "LEDGER_FABRIC_PROFILE or LEDGER_EVM_RPC_URL, or run the "
                                  "local EVM node (scripts/setup.sh installs it)",
                                  enterprise_id=uscc, ledgers=[])
            for row in rows:
                batch = self.ctx.reader.batch_of(row.pos)
                if batch is None:
                    continue
                held = conn.execute(select(ANCHORS.c.backend)
                                    .where(ANCHORS.c.batch_seq == batch.seq)
                                    .where(ANCHORS.c.backend.in_(ledgers))).first()
                if held is not None:
                    return row.id
        raise NotAnchored(f"enterprise {uscc} has no score anchored on {', '.join(ledgers)} "
                          "yet; retry in a few seconds, once the anchor worker has written "
                          "its batch", enterprise_id=uscc, ledgers=ledgers)

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

    def _certificate_event(self, record_fn: RecordFn | None, org: str, kind: str,
                           record: dict[str, Any], occurred_at: str) -> str:
        return self._record(record_fn, org, {
            "type": kind, "id": certificate_event_id(kind, record["id"]),
            "enterprise_id": record["enterprise_id"], "occurred_at": occurred_at,
            "refs": [record["score_event"]],
            "payload": {"certificate_id": record["id"],
                        "credential_hash": record["credential_hash"]}})

    def _progress(self, certificate_id: str, **fields: Any) -> dict[str, Any]:
        """Store what an issuance has done so far, unless the record left "issuing"."""

        def change(current: dict[str, Any]) -> dict[str, Any]:
            if current["status"] != "issuing":
                raise IssuanceInterrupted(
                    f"certificate {certificate_id} was revoked while it was being issued "
                    "(the issuance took longer than the recovery timeout)", id=certificate_id)
            current.update(fields)
            return current

        return self.store.update(certificate_id, change)

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
        try:
            if tokens is not None and token is not None:
                receipt = self._ledger(lambda: tokens.mint(owner, int(token["tokenId"]), digest))
                record = self._progress(certificate_id, token=receipt)
                self._durable()
            fabric = self.fabric()
            if fabric is not None:
                receipt = self._ledger(
                    lambda: fabric.register_certificate(certificate_id, digest))["receipt"]
                record = self._progress(certificate_id, fabric=receipt)
            event_id = self._certificate_event(record_fn, org, "certificate.issued", record,
                                               to_text(issued))
            return self._progress(certificate_id, issued_event=event_id, status="active")
        except Exception:
            # Nothing half issued stays valid: its status bit is set and what the ledgers
            # took is revoked (best effort; the recovery sweep finishes what this cannot).
            # Also after IssuanceInterrupted: a token minted after the sweep is revoked here.
            try:
                self.revoke(certificate_id, "issuance_failed", org, record_fn)
            except Exception:
                log.exception("revoking half-issued certificate %s", certificate_id)
            raise

    def revoke(self, certificate_id: str, reason: str, org: str,
               record_fn: RecordFn | None = None,
               erased: tuple[str, str] | None = None) -> dict[str, Any]:
        """Revoke a certificate; ``erased`` (event id, reason code) also redacts the record
        (the score it states was erased). Revoking twice answers the first revocation."""
        if not isinstance(reason, str) or not reason.strip() or len(reason) > 500:
            raise InvalidInput("a revocation needs a reason (1 to 500 characters)")
        index = self.store.get(certificate_id)["status_index"]
        self.store.mark_revoked(index, certificate_id)  # what verifiers read: first
        revoked_at = to_text(now())

        def change(current: dict[str, Any]) -> dict[str, Any] | None:
            if erased is not None and not current.get("erased"):
                redact(current, *erased)
            elif current["status"] == "revoked":
                return None
            if current["status"] != "revoked":
                current["status"] = "revoked"
                current["revocation"] = {"reason": reason, "at": revoked_at, "by": org,
                                         "fabric": None, "token": None, "event": None}
            return current

        record = self.store.update(certificate_id, change)
        return self._finish_revocation(record, record_fn)

    def _finish_revocation(self, record: dict[str, Any], record_fn: RecordFn | None = None
                           ) -> dict[str, Any]:
        """The ledger steps of a revocation not done yet: Fabric registry, token, event.
        Each is idempotent, so a repeat (another process, a retry after a crash) is safe."""
        certificate_id = record["id"]
        revocation = record["revocation"]

        def note(step: str, value: Any) -> dict[str, Any]:
            def change(current: dict[str, Any]) -> dict[str, Any]:
                current["revocation"][step] = value
                return current
            return self.store.update(certificate_id, change)

        fabric = self.fabric()
        if revocation["fabric"] is None and fabric is not None and (
                record["fabric"] is not None
                or self._ledger(lambda: fabric.get_certificate(certificate_id)) is not None):
            record = note("fabric", self._ledger(lambda: fabric.revoke_certificate(
                certificate_id, revocation["reason"]))["receipt"])
        token_id = (record["token"] or {}).get("token_id") or \
            (record["credential"].get("tokenBinding") or {}).get("tokenId")
        tokens = self.token_client() if token_id is not None else None
        if revocation["token"] is None and tokens is not None and (
                record["token"] is not None
                or self._ledger(lambda: tokens.status(int(token_id)))["exists"]):
            record = note("token", self._ledger(lambda: tokens.revoke(int(token_id))))
        if revocation["event"] is None:
            record = note("event", self._certificate_event(
                record_fn, revocation["by"], "certificate.revoked", record, revocation["at"]))
        return record

    def withdraw(self, event_id: str, reason_code: str, org: str) -> list[str]:
        """Revoke and redact every certificate stating this score (it is being erased)."""
        withdrawn = []
        for record in self.store.resting_on(event_id):
            self.revoke(record["id"], f"evidence erased ({reason_code})", org,
                        erased=(event_id, reason_code))
            withdrawn.append(record["id"])
        return withdrawn

    def recover(self) -> list[str]:
        """Revoke certificates whose issuance was cut off, and finish revocations whose
        ledger steps were; only those older than the issuance timeout (younger ones may
        still be in progress in another process). Returns the ids handled."""
        cutoff = now() - timedelta(seconds=self.ctx.settings.certificate_issue_timeout_seconds)
        handled = []
        for record in self.store.records():
            revocation = record.get("revocation")
            try:
                if record["status"] == "issuing" and from_text(record["issued_at"]) <= cutoff:
                    log.warning("certificate %s: issuance was interrupted; revoking it",
                                record["id"])
                    self.revoke(record["id"], INTERRUPTED, record["issued_by"])
                elif (record["status"] == "revoked" and revocation["event"] is None
                      and from_text(revocation["at"]) <= cutoff):
                    self._finish_revocation(record)
                else:
                    continue
            except Exception:
                log.exception("certificate %s: recovery failed; retrying later", record["id"])
                continue
            handled.append(record["id"])
        return handled

    # ---------------------------------------------------------------- helpers

    def _durable(self) -> None:
        """On the local node, wait until the token is saved: a node crash cannot take it back.

        Anchors are reconciled after a crash, tokens are not, so a certificate
        is not handed out before its token is in the node's saved state.
        """
        node = self.ctx.extras.get("evm_node")
        if node is None or self.ctx.extras.get("certificate_token") is None:
            return
        import time

        from anchoring.evm.node import wait_saved

        if not wait_saved(node.state_path, time.time_ns(), timeout=3 * node.state_interval + 5):
            raise LedgerUnavailable("the local EVM node did not save the certificate token; "
                                    "retry")

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


class RecoveryThread(threading.Thread):
    """The recovery sweep inside a running service: every RECOVERY_INTERVAL seconds (the
    first sweep runs before the service answers, see api.app)."""

    def __init__(self, service: CertificateService, interval: float = RECOVERY_INTERVAL
                 ) -> None:
        super().__init__(name="certificate-recovery", daemon=True)
        self.service = service
        self.interval = interval
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(self.interval):
            try:
                self.service.recover()
            except Exception:
                log.exception("certificate recovery sweep failed; retrying")

    def stop(self) -> None:
        self.stopping.set()


__all__ = ["CertificateService", "Conflict", "IssuanceInterrupted", "LedgerUnavailable",
           "NoSealedScore", "NotAnchored", "RecoveryThread", "verify_here"]


def verify_here(ctx: Any, doc: Any) -> Any:
    """Verify a certificate with everything this service can reach (the API's verifier).

    The status list is read locally, never fetched from a URL the document
    names (a verifier endpoint that fetched arbitrary URLs would be an SSRF);
    a list this service does not publish is a failed status check.
    """
    from ledger_proof.certificates.verify import verify_certificate
    from ledger_service.pipeline.ledgers import own_ledgers

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
                              header_reader=own_ledgers(ctx))
