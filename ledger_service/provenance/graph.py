"""Provenance: an event's dependency graph, each node proved, each edge judged.

The question a bank or auditor asks of a ``loan.approved`` is "was this
approval based on a valid consent and a score that existed at the time?".
The answer is computed from stored evidence only, and every fact it rests on
is in a node that carries its own proof (inclusion path, signed header,
anchor receipts), so the verdict can be re-derived by anyone holding the
bundles.

Rules for a ``loan.approved`` (A) and each score (S) and consent (C) it refs:

- same enterprise: every node of the graph belongs to the enterprise asked about;
- ``score_before_approval``: S.occurred_at <= A.occurred_at;
- ``score_sealed_before_approval``: the batch holding S was sealed (its
  ``sealed_at``) no later than A was *recorded*. Both instants are the
  service's own clock, not a party's claim, and a bank can only have relied
  on a score whose proof existed when it submitted the approval. (A's
  ``occurred_at`` is the bank's claim and may legitimately lie before the
  seal by the batching delay, or be backdated; it is checked against the
  score's ``occurred_at`` above instead.)
- ``latest_score``: no other score of the enterprise was both dated at or
  before A.occurred_at and sealed by the time A was recorded, while being
  newer (by occurred_at, then position) than S. A score the bank could not
  yet rely on (unsealed, or recorded after the approval) does not make S stale;
- ``consent_live_at_approval``: C was live at A.occurred_at (granted at or
  before it, not expired, no revocation dated at or before it);
- ``consent_covers_scores``: C's scope is ``*`` or includes ``score.computed``;
- ``bank_is_grantee``: C.grantee_org is the org that recorded A.

Every edge also checks that the ref is of the same enterprise and was dated
and recorded no later than the event that cites it; loan steps after an
approval check the same loan id and the same bank. A node whose proof does
not verify, or an approval missing a score or consent ref, makes the graph
invalid too. Orderings that look backdated (a revocation recorded after an
approval but dated before it) are reported as warnings next to the verdict.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import select

from ledger_proof.bundle import verify_bundle
from ledger_service.access.consent import LIVE, Consent, build_consents
from ledger_service.access.read_policy import ReadPolicy
from ledger_service.core.errors import InvalidInput, NotFound
from ledger_service.pipeline.reader import Reader, event_status, us_text
from ledger_service.store.tables import EVENTS

MAX_NODES = 500
AFTER_APPROVAL = ("loan.disbursed", "loan.repaid", "loan.overdue", "loan.closed")
SCORE, CONSENT, APPROVAL = "score.computed", "consent.granted", "loan.approved"


@dataclass
class Check:
    name: str
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


@dataclass
class Judgement:
    """Checks collected for one node or edge."""

    checks: list[Check] = field(default_factory=list)

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append(Check(name, ok, detail))

    @property
    def valid(self) -> bool:
        return all(c.ok for c in self.checks)


class ProvenanceError(InvalidInput):
    """The dependency graph is larger than provenance will walk."""


class Provenance:
    """Builds the provenance document of one event."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.engine = reader.engine

    # -- loading -------------------------------------------------------------------------

    def _rows(self, ids: list[str]) -> dict[str, Any]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(EVENTS).where(EVENTS.c.id.in_(ids))).all()
        return {r.id: r for r in rows}

    def graph(self, root_id: str) -> tuple[dict[str, Any], list[str]]:
        """Rows of the root and everything it refs, transitively (BFS order), and
        ids that are cited but not stored (possible only in crafted data)."""
        rows: dict[str, Any] = {}
        missing: list[str] = []
        frontier = deque([root_id])
        while frontier:
            batch = [i for i in dict.fromkeys(frontier) if i not in rows]
            frontier.clear()
            if not batch:
                break
            found = self._rows(batch)
            for event_id in batch:
                row = found.get(event_id)
                if row is None:
                    missing.append(event_id)
                    continue
                rows[event_id] = row
                frontier.extend(r for r in orjson.loads(row.refs) if r not in rows)
            if len(rows) > MAX_NODES:
                raise ProvenanceError(f"the dependency graph exceeds {MAX_NODES} events",
                                      limit=MAX_NODES)
        if root_id in missing:
            raise NotFound(f"no event with id {root_id}", id=root_id)
        return rows, missing

    def _enterprise_rows(self, enterprise_id: str, types: tuple[str, ...]) -> list[Any]:
        with self.engine.connect() as conn:
            return conn.execute(
                select(EVENTS.c.id, EVENTS.c.type, EVENTS.c.org, EVENTS.c.occurred_us,
                       EVENTS.c.recorded_us, EVENTS.c.pos, EVENTS.c.refs, EVENTS.c.body)
                .where(EVENTS.c.enterprise_id == enterprise_id)
                .where(EVENTS.c.type.in_(types)).order_by(EVENTS.c.pos)).all()

    # -- the document --------------------------------------------------------------------

    def build(self, enterprise_id: str, event_id: str, policy: ReadPolicy | None = None
              ) -> dict[str, Any]:
        """The provenance document; ``policy`` (None: full view) decides what is shown.

        Verdicts are computed on the full evidence whatever the caller may see;
        nodes the caller may not read are shown without their event body
        (``"redacted": true``), their hashes, status and proofs still present.
        """
        root = self.reader.event_row(event_id)
        if root.enterprise_id != enterprise_id:
            raise NotFound(f"event {event_id} is not in the records of {enterprise_id}",
                           id=event_id, enterprise_id=enterprise_id)
        if policy is not None:
            policy.check_event(enterprise_id, root.type)
        rows, missing = self.graph(event_id)
        batches = self.reader.batches_covering(r.pos for r in rows.values())
        seqs = sorted({b.seq for b in batches.values() if b is not None})
        anchors = self.reader.anchors_of(seqs)
        consents = self._consents_for(rows)
        scores = self._scores(enterprise_id)
        score_batches = self.reader.batches_covering(s.pos for s in scores)

        reasons: list[dict[str, Any]] = []
        warnings: list[str] = []
        nodes = []
        for row in rows.values():
            batch = batches[row.pos]
            node_anchors = [] if batch is None else anchors.get(batch.seq, [])
            node, judgement = self._node(row, batch, node_anchors, enterprise_id, policy,
                                         consents)
            if row.type == APPROVAL:
                self._approval_node_checks(row, rows, judgement)
            node["checks"] = [c.as_dict() for c in judgement.checks]
            node["verdict"] = "valid" if judgement.valid else "invalid"
            if batch is None:
                warnings.append(f"{row.id} ({row.type}) is pending: not yet sealed, so not "
                                "yet provable")
            for c in judgement.checks:
                if not c.ok:
                    reasons.append({"code": c.name, "event_id": row.id, "message": c.detail})
            nodes.append(node)

        edges = []
        for row in rows.values():
            for ref in orjson.loads(row.refs):
                target = rows.get(ref)
                judgement = Judgement()
                if target is None:
                    judgement.add("ref_exists", False, f"{ref} is cited but not recorded")
                else:
                    self._edge_checks(row, target, enterprise_id, judgement, batches, consents,
                                      scores, score_batches, warnings)
                edges.append({"from": row.id, "to": ref,
                              "kind": _edge_kind(row.type, target.type if target else None),
                              "verdict": "valid" if judgement.valid else "invalid",
                              "checks": [c.as_dict() for c in judgement.checks]})
                for c in judgement.checks:
                    if not c.ok:
                        reasons.append({"code": c.name, "event_id": row.id, "ref": ref,
                                        "message": c.detail})
        return {"enterprise_id": enterprise_id, "event_id": event_id, "root_type": root.type,
                "verdict": "invalid" if reasons or missing else "valid",
                "reasons": reasons, "warnings": warnings, "nodes": nodes, "edges": edges}

    # -- pieces --------------------------------------------------------------------------

    def _consents_for(self, rows: dict[str, Any]) -> dict[str, Consent]:
        """Consent objects (with revocations) for the consent nodes of the graph."""
        out: dict[str, Consent] = {}
        enterprises = {r.enterprise_id for r in rows.values() if r.type == CONSENT}
        for enterprise in enterprises:
            for consent in build_consents(enterprise, self._enterprise_rows(
                    enterprise, (CONSENT, "consent.revoked"))):
                if consent.id in rows:
                    out[consent.id] = consent
        return out

    def _scores(self, enterprise_id: str) -> list[Any]:
        return self._enterprise_rows(enterprise_id, (SCORE,))

    def _node(self, row: Any, batch: Any, anchors: list[dict[str, Any]], enterprise_id: str,
              policy: ReadPolicy | None, consents: dict[str, Consent]
              ) -> tuple[dict[str, Any], Judgement]:
        judgement = Judgement()
        judgement.add("same_enterprise", row.enterprise_id == enterprise_id,
                      f"belongs to {row.enterprise_id}")
        readable = policy is None or policy.may_read(row.enterprise_id, row.type)
        proof: dict[str, Any] = {"status": event_status(None if batch is None else batch.seq,
                                                         bool(anchors))}
        if batch is not None:
            bundle = self.reader.proof(row.id)
            verdict = verify_bundle(bundle, pinned_keys={self.reader.key.key_id:
                                                         self.reader.key.public_key_b64})
            failed = [c.name for c in verdict.checks if c.status == "fail"]
            proof.update(verified=verdict.valid, failed_checks=failed,
                         batch={"seq": batch.seq,
                                "leaf_index": bundle["inclusion"]["leaf_index"],
                                "sealed_at": us_text(batch.sealed_us),
                                "header_hash": batch.header_hash})
            judgement.add("proof_verifies", verdict.valid,
                          "inclusion, header signature and commitment check"
                          if verdict.valid else f"failed: {', '.join(failed)}")
        else:
            proof.update(verified=None, failed_checks=[], batch=None)
        node: dict[str, Any] = {
            "id": row.id, "type": row.type, "enterprise_id": row.enterprise_id,
            "org": row.org, "occurred_at": us_text(row.occurred_us),
            "recorded_at": us_text(row.recorded_us), "leaf_hash": row.leaf_hash.hex(),
            "commitment": row.commitment.hex(), "erased": row.body is None,
            "redacted": not readable, "proof": proof, "anchors": anchors,
            "event": orjson.loads(row.body) if readable and row.body is not None else None}
        consent = consents.get(row.id)
        if consent is not None and readable:
            node["consent"] = {
                "grantee_org": consent.grantee_org, "scope": sorted(consent.scope),
                "expires_at": None if consent.expires_us is None else us_text(consent.expires_us),
                "revocations": [{"id": r.id, "occurred_at": us_text(r.occurred_us)}
                                for r in consent.revocations]}
        return node, judgement

    @staticmethod
    def _approval_node_checks(row: Any, rows: dict[str, Any], judgement: Judgement) -> None:
        cited = [rows[r].type for r in orjson.loads(row.refs) if r in rows]
        judgement.add("approval_cites_score", SCORE in cited,
                      "refs a score.computed" if SCORE in cited else "refs no score.computed")
        judgement.add("approval_cites_consent", CONSENT in cited,
                      "refs a consent.granted" if CONSENT in cited
                      else "refs no consent.granted")

    def _edge_checks(self, row: Any, target: Any, enterprise_id: str, judgement: Judgement,
                     batches: dict[int, Any], consents: dict[str, Consent],
                     scores: list[Any], score_batches: dict[int, Any],
                     warnings: list[str]) -> None:
        judgement.add("same_enterprise", target.enterprise_id == row.enterprise_id
                      == enterprise_id,
                      f"{target.type} of {target.enterprise_id}, cited by an event of "
                      f"{row.enterprise_id}")
        judgement.add("ref_recorded_first", target.recorded_us <= row.recorded_us
                      and target.pos < row.pos,
                      f"ref recorded {us_text(target.recorded_us)}, citing event "
                      f"{us_text(row.recorded_us)}")
        if row.type == APPROVAL and target.type == SCORE:
            self._score_edge(row, target, judgement, batches, scores, score_batches)
            return
        if row.type == APPROVAL and target.type == CONSENT:
            self._consent_edge(row, target, judgement, consents, warnings)
            return
        if row.type != "event.erased":
            judgement.add("ref_occurred_first", target.occurred_us <= row.occurred_us,
                          f"ref dated {us_text(target.occurred_us)}, citing event dated "
                          f"{us_text(row.occurred_us)}")
        if (row.type in AFTER_APPROVAL and target.type == APPROVAL) or (
                row.type == "loan.rejected" and target.type == "loan.applied"):
            judgement.add("same_loan", target.loan_id == row.loan_id,
                          f"loan {target.loan_id} cited by a step of loan {row.loan_id}")
        if row.type in AFTER_APPROVAL and target.type == APPROVAL:
            judgement.add("same_bank", target.org == row.org,
                          f"approved by {target.org}, step recorded by {row.org}")

    @staticmethod
    def _score_edge(row: Any, score: Any, judgement: Judgement, batches: dict[int, Any],
                    scores: list[Any], score_batches: dict[int, Any]) -> None:
        judgement.add("score_before_approval", score.occurred_us <= row.occurred_us,
                      f"score dated {us_text(score.occurred_us)}, approval dated "
                      f"{us_text(row.occurred_us)}")
        batch = batches.get(score.pos)
        sealed_ok = batch is not None and batch.sealed_us <= row.recorded_us
        judgement.add("score_sealed_before_approval", sealed_ok,
                      "score still pending" if batch is None else
                      f"score sealed {us_text(batch.sealed_us)} (batch {batch.seq}), approval "
                      f"recorded {us_text(row.recorded_us)}")
        newer = []
        for other in scores:
            other_batch = score_batches.get(other.pos)
            if (other.id != score.id and other_batch is not None
                    and other_batch.sealed_us <= row.recorded_us
                    and other.occurred_us <= row.occurred_us
                    and (other.occurred_us, other.pos) > (score.occurred_us, score.pos)):
                newer.append(other)
        judgement.add("latest_score", not newer,
                      "the enterprise's latest sealed score at approval time" if not newer
                      else f"stale: newer score {newer[-1].id} dated "
                      f"{us_text(newer[-1].occurred_us)} was sealed before the approval")

    @staticmethod
    def _consent_edge(row: Any, target: Any, judgement: Judgement,
                      consents: dict[str, Consent], warnings: list[str]) -> None:
        consent = consents.get(target.id)
        if consent is None or consent.erased:
            judgement.add("consent_readable", False,
                          "the consent was erased: its grantee, scope and expiry can no "
                          "longer be checked")
            return
        state = consent.state_at(row.occurred_us)
        detail = {LIVE: "live at the approval's occurred_at",
                  "consent_not_yet_live": f"granted only at {us_text(consent.occurred_us)}",
                  "consent_expired": "expired at "
                  + (us_text(consent.expires_us) if consent.expires_us else "?"),
                  "consent_revoked": "revoked"}.get(state, state)
        revocation = consent.revoked_by(row.occurred_us)
        if revocation is not None:
            detail = (f"revoked by {revocation.id} dated {us_text(revocation.occurred_us)}, "
                      f"before the approval dated {us_text(row.occurred_us)}")
            if revocation.recorded_us > row.recorded_us:
                warnings.append(f"revocation {revocation.id} was recorded after approval "
                                f"{row.id} but is dated before it (backdated?)")
        judgement.add("consent_live_at_approval", state == LIVE, detail)
        judgement.add("consent_covers_scores", consent.covers(SCORE),
                      f"scope {sorted(consent.scope)}")
        judgement.add("bank_is_grantee", consent.grantee_org == row.org,
                      f"granted to {consent.grantee_org}, approval recorded by {row.org}")


def _edge_kind(source: str, target: str | None) -> str:
    if target is None:
        return "missing"
    kinds = {SCORE: "score", CONSENT: "consent", APPROVAL: "approval",
             "loan.applied": "application"}
    if source == "event.erased":
        return "erases"
    if source == "consent.revoked":
        return "revokes"
    return kinds.get(target, "ref")
