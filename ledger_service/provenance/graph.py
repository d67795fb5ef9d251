"""Provenance: an event's dependency graph, each node proved, each edge judged.

The question a bank or auditor asks of a ``loan.approved`` is "was this
approval based on a valid consent and a score that existed at the time?".
The answer is computed from stored evidence only, and every fact it rests on
is in a node that carries its own proof (inclusion path, signed header,
anchor receipts), so the verdict can be re-derived by anyone holding the
bundles.

The graph never leaves the enterprise asked about: only its own events are
loaded and shown. A ref to another enterprise's event (intake refuses one;
crafted or legacy data may hold it) is an edge that fails ``same_enterprise``
and says nothing else about its target.

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
- ``latest_score_when_recorded``: judged when ``latest_score`` holds: no newer
  score was already sealed when A was recorded, whatever A's date. Backdating
  A before a newer score does not make S current again;
- ``consent_live_at_approval``: C was live at A.occurred_at (granted at or
  before it, not expired, no revocation dated at or before it);
- ``consent_live_when_recorded``: judged when the previous check holds: when A
  was recorded, no revocation of C recorded by then had taken effect and C had
  not expired. Backdating A before a revocation (or an expiry) the ledger
  already held does not make C live again;
- ``consent_covers_scores``: C's scope is ``*`` or includes ``score.computed``;
- ``bank_is_grantee``: C.grantee_org is the org that recorded A.

Every loan step recorded by a bank also checks ``bank_held_consent``: the bank
held a live consent of the enterprise (any scope) when it recorded the step,
as the ledger knew it then (the rule intake enforces; a step recorded without
it, before the rule or by a compromised writer, is marked invalid).

Every edge also checks that the ref is of the same enterprise and was dated
and recorded no later than the event that cites it; loan steps after an
approval check the same loan id and the same bank. A node whose proof does
not verify, or an approval missing a score or consent ref, makes the graph
invalid too. Orderings that look backdated (a revocation recorded after an
approval but dated before it) are reported as warnings next to the verdict.

The score edge of an approval also checks the model and the score's age:

- ``model_hash_matches``: the score's ``model_hash`` (with its model id and
  version) is the hash of the ``model.registered`` it cites, and that
  registration's specification hashes to it;
- ``score_stale`` (a warning, never a failure): the approval is dated more than
  ``LEDGER_SCORE_FRESH_HOURS`` (72) after the score;
- ``score_expired`` (a failure): more than ``LEDGER_SCORE_MAX_AGE_HOURS`` (720).

Risk alerts of the enterprise live at the approval (raised at or before its
``occurred_at`` and not cleared at or before it) are listed on the approval's
node (``alerts_at_approval``): a live red alert fails ``red_alert_live``; a live
yellow or blue alert is a warning (``yellow_alert_live``, ``blue_alert_live``).
Only the enterprise's own alerts are loaded.

A score's ref to its ``model.registered`` is the one ref that leaves the
enterprise: a registration is the platform operator's, holds a model's
specification and nobody's data, and is public to every key, so it is loaded and
shown as a node (checked: ``model_spec_hash``) while every other event of
another enterprise stays unloaded.

Checks that warn carry ``"warning": true``; they never make a graph invalid,
and a trail lists their codes under ``warnings``.

What a caller may not read stays hidden: nodes of types outside its consent
are shown without their event, and the checks of an edge touching such a node
keep their name and verdict but not their detail (details carry payload facts:
loan ids, grantee, scope, expiry, revocation and score ids).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import orjson
from sqlalchemy import select

from ledger_proof.bundle import verify_bundle
from ledger_proof.scoring import model_hash
from ledger_proof.timefmt import us_text
from ledger_service.access.consent import LIVE, REVOKED, Consent, build_consents, holds_consent
from ledger_service.access.read_policy import ReadPolicy
from ledger_service.core.errors import InvalidInput, NotFound
from ledger_service.evidence.refs import LOAN_TYPES
from ledger_service.evidence.schemas import ALERT_TYPE, CLEARED_TYPE, MODEL_TYPE
from ledger_service.pipeline.reader import Reader, event_status
from ledger_service.store.tables import EVENTS

MAX_NODES = 500
#: Events a trail page may pull in to judge its events (each page is at most 1,000).
MAX_TRAIL_NODES = 20_000
AFTER_APPROVAL = ("loan.disbursed", "loan.repaid", "loan.overdue", "loan.closed")
SCORE, CONSENT, APPROVAL = "score.computed", "consent.granted", "loan.approved"
#: The detail of a check about an event the caller may not read.
REDACTED = "redacted: the caller may not read an event this check is about"
_LOAD_CHUNK = 500
_HOUR_US = 3_600_000_000
#: Checks about risk alerts (their details are redacted for a caller who may not read them).
ALERT_CHECKS = frozenset({"red_alert_live", "yellow_alert_live", "blue_alert_live"})


@dataclass(frozen=True)
class ScoreAges:
    """How old a score an approval rests on may be (LEDGER_SCORE_FRESH_HOURS,
    LEDGER_SCORE_MAX_AGE_HOURS)."""

    fresh_hours: int = 72
    max_hours: int = 720

    @classmethod
    def of(cls, settings: Any) -> ScoreAges:
        return cls(settings.score_fresh_hours, settings.score_max_age_hours)


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    #: Holds, but worth a look (a stale score, a yellow or blue alert): never a failure.
    warning: bool = False

    def as_dict(self, redact: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "ok": self.ok,
                               "detail": REDACTED if redact else self.detail}
        if self.warning:
            out["warning"] = True
        return out


@dataclass
class Judgement:
    """Checks collected for one node or edge."""

    checks: list[Check] = field(default_factory=list)

    def add(self, name: str, ok: bool, detail: str, warning: bool = False) -> None:
        self.checks.append(Check(name, ok, detail, warning))

    @property
    def valid(self) -> bool:
        return all(c.ok for c in self.checks)


class ProvenanceError(InvalidInput):
    """The dependency graph is larger than provenance will walk."""


@dataclass(frozen=True)
class Alert:
    """A risk alert of the enterprise and the instants of its clearances."""

    id: str
    occurred_us: int
    level: str
    indicators: tuple[str, ...]
    reason_code: str
    cleared_us: tuple[int, ...]

    def live_at(self, instant_us: int) -> bool:
        return self.occurred_us <= instant_us and not any(c <= instant_us
                                                          for c in self.cleared_us)


def build_alerts(rows: list[Any]) -> list[Alert]:
    """Alerts from the enterprise's risk.alert and risk.cleared rows (erased ones, whose
    level is gone, are left out)."""
    cleared: dict[str, list[int]] = {}
    for row in rows:
        if row.type == CLEARED_TYPE and row.body is not None:
            alert_id = orjson.loads(row.body)["payload"]["alert_id"]
            cleared.setdefault(alert_id, []).append(row.occurred_us)
    alerts = []
    for row in rows:
        if row.type == ALERT_TYPE and row.body is not None:
            payload = orjson.loads(row.body)["payload"]
            alerts.append(Alert(row.id, row.occurred_us, payload["level"],
                                tuple(payload["indicators"]), payload["reason_code"],
                                tuple(cleared.get(row.id, ()))))
    return alerts


@dataclass
class Evidence:
    """What the rules are judged on: the enterprise's events reachable by refs, and the
    enterprise-wide facts (consents, scores, seals) loaded once and shared."""

    enterprise_id: str
    rows: dict[str, Any]
    #: Cited ids that exist but belong to another enterprise (never loaded).
    foreign: set[str]
    #: Cited ids that are not stored at all (possible only in crafted data).
    missing: set[str]
    batches: dict[int, Any]
    consents: list[Consent]
    scores: list[Any]
    score_batches: dict[int, Any]
    warnings: list[tuple[str, str]] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    ages: ScoreAges = field(default_factory=ScoreAges)

    def alerts_at(self, instant_us: int) -> list[Alert]:
        return [a for a in self.alerts if a.live_at(instant_us)]

    @cached_property
    def consent_by_id(self) -> dict[str, Consent]:
        return {c.id: c for c in self.consents}


class Provenance:
    """Builds the provenance document of one event, and the verdicts a trail shows."""

    def __init__(self, reader: Reader, ages: ScoreAges | None = None) -> None:
        self.reader = reader
        self.engine = reader.engine
        self.ages = ages or ScoreAges()

    # -- loading -------------------------------------------------------------------------

    def _rows(self, ids: list[str]) -> list[Any]:
        found = []
        with self.engine.connect() as conn:
            for i in range(0, len(ids), _LOAD_CHUNK):
                found += conn.execute(select(EVENTS).where(
                    EVENTS.c.id.in_(ids[i:i + _LOAD_CHUNK]))).all()
        return found

    def graph(self, enterprise_id: str, roots: Iterable[Any], limit: int = MAX_NODES
              ) -> tuple[dict[str, Any], set[str], set[str]]:
        """Rows of the roots and of every event of the enterprise they ref, transitively
        (BFS order); ids cited but of another enterprise (not loaded); ids cited but not
        stored. Roots are rows of the enterprise."""
        rows: dict[str, Any] = {r.id: r for r in roots}
        foreign: set[str] = set()
        missing: set[str] = set()
        frontier = deque(ref for r in rows.values() for ref in orjson.loads(r.refs))
        while frontier:
            wanted = [i for i in dict.fromkeys(frontier)
                      if i not in rows and i not in foreign and i not in missing]
            frontier.clear()
            if not wanted:
                break
            found = {r.id: r for r in self._rows(wanted)}
            for event_id in wanted:
                row = found.get(event_id)
                if row is None:
                    missing.add(event_id)
                elif row.type == MODEL_TYPE:
                    rows[event_id] = row  # public, the platform's: shown, cites nothing
                elif row.enterprise_id != enterprise_id:
                    foreign.add(event_id)  # never followed, never shown
                else:
                    rows[event_id] = row
                    frontier.extend(r for r in orjson.loads(row.refs) if r not in rows)
            if len(rows) > limit:
                raise ProvenanceError(f"the dependency graph exceeds {limit} events",
                                      limit=limit)
        return rows, foreign, missing

    def _enterprise_rows(self, enterprise_id: str, types: tuple[str, ...]) -> list[Any]:
        with self.engine.connect() as conn:
            return conn.execute(
                select(EVENTS.c.id, EVENTS.c.type, EVENTS.c.org, EVENTS.c.occurred_us,
                       EVENTS.c.recorded_us, EVENTS.c.pos, EVENTS.c.refs, EVENTS.c.body)
                .where(EVENTS.c.enterprise_id == enterprise_id)
                .where(EVENTS.c.type.in_(types)).order_by(EVENTS.c.pos)).all()

    def evidence(self, enterprise_id: str, roots: Iterable[Any], limit: int = MAX_NODES
                 ) -> Evidence:
        rows, foreign, missing = self.graph(enterprise_id, roots, limit)
        types = {r.type for r in rows.values()}
        consents = (build_consents(enterprise_id, self._enterprise_rows(
            enterprise_id, (CONSENT, REVOKED)))
            if types & ({CONSENT} | LOAN_TYPES) else [])
        scores = self._enterprise_rows(enterprise_id, (SCORE,)) if APPROVAL in types else []
        alerts = (build_alerts(self._enterprise_rows(enterprise_id, (ALERT_TYPE, CLEARED_TYPE)))
                  if APPROVAL in types else [])
        return Evidence(
            enterprise_id=enterprise_id, rows=rows, foreign=foreign, missing=missing,
            batches=self.reader.batches_covering(r.pos for r in rows.values()),
            consents=consents, scores=scores,
            score_batches=self.reader.batches_covering(s.pos for s in scores),
            alerts=alerts, ages=self.ages)

    # -- the document --------------------------------------------------------------------

    def build(self, enterprise_id: str, event_id: str, policy: ReadPolicy | None = None
              ) -> dict[str, Any]:
        """The provenance document; ``policy`` (None: full view) decides what is shown.

        Verdicts are computed on the full evidence whatever the caller may see;
        nodes the caller may not read are shown without their event body
        (``"redacted": true``), their hashes, status and proofs still present, and
        the checks of edges touching them without their details.
        """
        root = self.reader.event_row(event_id)
        if root.enterprise_id != enterprise_id:
            raise NotFound(f"event {event_id} is not in the records of {enterprise_id}",
                           id=event_id, enterprise_id=enterprise_id)
        if policy is not None:
            policy.check_event(enterprise_id, root.type)
        ev = self.evidence(enterprise_id, [root])
        seqs = sorted({b.seq for b in ev.batches.values() if b is not None})
        anchors = self.reader.anchors_of(seqs)
        consents = ev.consent_by_id

        def readable(event_type: str) -> bool:
            return policy is None or policy.may_read(enterprise_id, event_type)

        reasons: list[dict[str, Any]] = []
        warnings: list[str] = []
        nodes = []
        for row in ev.rows.values():
            batch = ev.batches[row.pos]
            node_anchors = [] if batch is None else anchors.get(batch.seq, [])
            shown = readable(row.type)
            node, judgement = self._node(row, batch, node_anchors, shown,
                                         consents.get(row.id), readable(REVOKED))
            judgement.checks += self.node_checks(ev, row).checks
            hidden: set[str] = set()
            if row.type == APPROVAL:
                alerts_shown = readable(ALERT_TYPE)
                if not alerts_shown:
                    # The alert checks' details name alerts, reasons and indicators.
                    hidden = {c.name for c in judgement.checks if c.name in ALERT_CHECKS}
                node["alerts_at_approval"] = [
                    {"id": a.id, "occurred_at": us_text(a.occurred_us), "redacted": False,
                     "level": a.level, "indicators": list(a.indicators),
                     "reason_code": a.reason_code} if alerts_shown else
                    {"id": a.id, "occurred_at": us_text(a.occurred_us), "redacted": True,
                     "level": None, "indicators": None, "reason_code": None}
                    for a in ev.alerts_at(row.occurred_us)]
            node["checks"] = [c.as_dict(redact=c.name in hidden) for c in judgement.checks]
            node["verdict"] = "valid" if judgement.valid else "invalid"
            if batch is None:
                warnings.append(f"{row.id} ({row.type}) is pending: not yet sealed, so not "
                                "yet provable")
            for c in judgement.checks:
                detail = REDACTED if c.name in hidden else c.detail
                if not c.ok:
                    reasons.append({"code": c.name, "event_id": row.id, "message": detail})
                elif c.warning:
                    warnings.append(f"{c.name} at {row.id}: {detail}")
            nodes.append(node)

        edges = []
        for row in ev.rows.values():
            for ref in orjson.loads(row.refs):
                target = ev.rows.get(ref)
                judgement = self.edge_checks(ev, row, ref)
                # A consent edge's details name revocations too.
                shown = readable(row.type) and (target is None or (
                    readable(target.type) and (target.type != CONSENT or readable(REVOKED))))
                kind = ("missing" if ref in ev.missing else
                        "ref" if target is None else _edge_kind(row.type, target.type))
                edges.append({"from": row.id, "to": ref, "kind": kind,
                              "verdict": "valid" if judgement.valid else "invalid",
                              "checks": [c.as_dict(redact=not shown) for c in judgement.checks]})
                for c in judgement.checks:
                    if not c.ok:
                        reasons.append({"code": c.name, "event_id": row.id, "ref": ref,
                                        "message": c.detail if shown else REDACTED})
                    elif c.warning:
                        warnings.append(f"{c.name} at {row.id} → {ref}: "
                                        + (c.detail if shown else REDACTED))
        revocations_shown = readable(CONSENT) and readable(REVOKED)
        for approval, text in ev.warnings:
            warnings.append(text if revocations_shown else
                            f"a revocation of a consent approval {approval} cites was recorded "
                            "after the approval but is dated before it (backdated?)")
        return {"enterprise_id": enterprise_id, "event_id": event_id, "root_type": root.type,
                "verdict": "invalid" if reasons else "valid",
                "reasons": reasons, "warnings": warnings, "nodes": nodes, "edges": edges}

    def marks(self, enterprise_id: str, rows: list[Any]) -> dict[str, dict[str, Any]]:
        """The verdict of each event's provenance as a trail shows it: the rules over the
        event and everything it rests on, with reason codes (no details, so nothing a
        caller may not read). Proofs are not rebuilt here (``proofs_checked`` false): the
        provenance endpoint verifies every node's proof as well."""
        ev = self.evidence(enterprise_id, rows, limit=MAX_TRAIL_NODES)
        node_codes: dict[str, tuple[list[str], list[str]]] = {}
        edge_codes: dict[tuple[str, str], list[Check]] = {}

        def judged(event_id: str) -> tuple[list[str], list[str]]:
            """(failing codes, warning codes) of a node and its edges."""
            if event_id not in node_codes:
                row = ev.rows[event_id]
                checks = list(self.node_checks(ev, row).checks)
                for ref in orjson.loads(row.refs):
                    if (event_id, ref) not in edge_codes:
                        edge_codes[(event_id, ref)] = self.edge_checks(ev, row, ref).checks
                    checks += edge_codes[(event_id, ref)]
                node_codes[event_id] = ([c.name for c in checks if not c.ok],
                                        [c.name for c in checks if c.ok and c.warning])
            return node_codes[event_id]

        out = {}
        for row in rows:
            codes: list[str] = []
            warned: list[str] = []
            seen: set[str] = set()
            stack = [row.id]
            while stack:
                event_id = stack.pop()
                if event_id in seen or event_id not in ev.rows:
                    continue
                seen.add(event_id)
                failing, warning = judged(event_id)
                codes += failing
                warned += warning
                stack.extend(orjson.loads(ev.rows[event_id].refs))
            unique = list(dict.fromkeys(codes))
            out[row.id] = {"verdict": "invalid" if unique else "valid", "reasons": unique,
                           "warnings": list(dict.fromkeys(warned)), "proofs_checked": False}
        return out

    # -- pieces --------------------------------------------------------------------------

    def _node(self, row: Any, batch: Any, anchors: list[dict[str, Any]], readable: bool,
              consent: Consent | None, revocations_readable: bool
              ) -> tuple[dict[str, Any], Judgement]:
        judgement = Judgement()
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
        if consent is not None and readable:
            node["consent"] = {
                "grantee_org": consent.grantee_org, "scope": sorted(consent.scope),
                "expires_at": None if consent.expires_us is None else us_text(consent.expires_us)}
            if revocations_readable:
                node["consent"]["revocations"] = [
                    {"id": r.id, "occurred_at": us_text(r.occurred_us)}
                    for r in consent.revocations]
        return node, judgement

    @staticmethod
    def node_checks(ev: Evidence, row: Any) -> Judgement:
        """The rules about one node itself (its proof is checked by build)."""
        judgement = Judgement()
        if row.type == MODEL_TYPE:
            # The platform's public registration, cited by a score: not the enterprise's.
            hashes = _registered_hash(row) is not None
            judgement.add("model_spec_hash", hashes,
                          "the specification's SHA-256 is the registered model_hash"
                          if hashes else
                          "the specification does not hash to the registered model_hash "
                          "(or the registration was erased)")
            return judgement
        judgement.add("same_enterprise", row.enterprise_id == ev.enterprise_id,
                      f"belongs to {row.enterprise_id}")
        if row.type == APPROVAL:
            live = ev.alerts_at(row.occurred_us)
            red = [a for a in live if a.level == "red"]
            judgement.add("red_alert_live", not red,
                          "no red risk alert was live at the approval's occurred_at"
                          if not red else f"red risk alert {_alert_list(red)} was live at "
                          "the approval's occurred_at")
            for level in ("yellow", "blue"):
                these = [a for a in live if a.level == level]
                if these:
                    judgement.add(f"{level}_alert_live", True,
                                  f"{level} risk alert {_alert_list(these)} was live at the "
                                  "approval's occurred_at", warning=True)
            cited = [ev.rows[r].type for r in orjson.loads(row.refs) if r in ev.rows]
            judgement.add("approval_cites_score", SCORE in cited,
                          "refs a score.computed" if SCORE in cited
                          else "refs no score.computed of the enterprise")
            judgement.add("approval_cites_consent", CONSENT in cited,
                          "refs a consent.granted" if CONSENT in cited
                          else "refs no consent.granted of the enterprise")
        if row.type in LOAN_TYPES and row.org != ev.enterprise_id:
            held = holds_consent(ev.consents, row.org, row.recorded_us, as_known=True)
            judgement.add("bank_held_consent", held,
                          f"{row.org} held a live consent of the enterprise when it recorded "
                          "this step" if held else
                          f"{row.org} held no live consent of the enterprise when it "
                          "recorded this step")
        return judgement

    def edge_checks(self, ev: Evidence, row: Any, ref: str) -> Judgement:
        judgement = Judgement()
        target = ev.rows.get(ref)
        if ref in ev.foreign:
            judgement.add("same_enterprise", False,
                          "the ref names an event outside this enterprise's records")
            return judgement
        if target is None:
            judgement.add("ref_exists", False, f"{ref} is cited but not recorded")
            return judgement
        if target.type == MODEL_TYPE:
            self._model_edge(row, target, judgement)
            return judgement
        judgement.add("same_enterprise", target.enterprise_id == row.enterprise_id
                      == ev.enterprise_id,
                      f"{target.type} of {target.enterprise_id}, cited by an event of "
                      f"{row.enterprise_id}")
        judgement.add("ref_recorded_first", target.recorded_us <= row.recorded_us
                      and target.pos < row.pos,
                      f"ref recorded {us_text(target.recorded_us)}, citing event "
                      f"{us_text(row.recorded_us)}")
        if row.type == APPROVAL and target.type == SCORE:
            self._score_edge(row, target, judgement, ev)
            return judgement
        if row.type == APPROVAL and target.type == CONSENT:
            self._consent_edge(row, target, judgement, ev)
            return judgement
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
        return judgement

    @staticmethod
    def _model_edge(row: Any, target: Any, judgement: Judgement) -> None:
        """A score citing the registration of the model that computed it."""
        judgement.add("cites_model", row.type == SCORE,
                      "a score cites the model that computed it" if row.type == SCORE else
                      f"a {row.type} cites a model registration; only scores may")
        judgement.add("ref_recorded_first", target.recorded_us <= row.recorded_us
                      and target.pos < row.pos,
                      f"model registered (recorded) {us_text(target.recorded_us)}, score "
                      f"recorded {us_text(row.recorded_us)}")
        judgement.add("ref_occurred_first", target.occurred_us <= row.occurred_us,
                      f"model registered {us_text(target.occurred_us)}, score dated "
                      f"{us_text(row.occurred_us)}")
        if row.type == SCORE:
            ok, detail = _model_matches(row, target)
            judgement.add("model_hash_matches", ok, detail)

    def _score_edge(self, row: Any, score: Any, judgement: Judgement, ev: Evidence) -> None:
        judgement.add("score_before_approval", score.occurred_us <= row.occurred_us,
                      f"score dated {us_text(score.occurred_us)}, approval dated "
                      f"{us_text(row.occurred_us)}")
        registrations = [ev.rows[r] for r in orjson.loads(score.refs)
                         if r in ev.rows and ev.rows[r].type == MODEL_TYPE]
        if len(registrations) == 1:
            ok, detail = _model_matches(score, registrations[0])
        else:
            ok, detail = False, (f"the score cites {len(registrations)} model registrations; "
                                 "it must cite the one that computed it")
        judgement.add("model_hash_matches", ok, detail)
        age = row.occurred_us - score.occurred_us
        hours = f"{age / _HOUR_US:.1f} h"
        fresh, limit = ev.ages.fresh_hours, ev.ages.max_hours
        judgement.add("score_expired", age <= limit * _HOUR_US,
                      f"the score was {hours} old at the approval (hard limit {limit} h)")
        stale = age > fresh * _HOUR_US
        judgement.add("score_stale", True,
                      f"the score was {hours} old at the approval, past the {fresh} h it is "
                      "current for" if stale else
                      f"the score was {hours} old at the approval (current for {fresh} h)",
                      warning=stale)
        batch = ev.batches.get(score.pos)
        sealed_ok = batch is not None and batch.sealed_us <= row.recorded_us
        judgement.add("score_sealed_before_approval", sealed_ok,
                      "score still pending" if batch is None else
                      f"score sealed {us_text(batch.sealed_us)} (batch {batch.seq}), approval "
                      f"recorded {us_text(row.recorded_us)}")
        # Newer scores the bank could rely on when it recorded the approval: sealed by then.
        known = [other for other in ev.scores
                 if other.id != score.id
                 and (b := ev.score_batches.get(other.pos)) is not None
                 and b.sealed_us <= row.recorded_us
                 and (other.occurred_us, other.pos) > (score.occurred_us, score.pos)]
        newer = [other for other in known if other.occurred_us <= row.occurred_us]
        judgement.add("latest_score", not newer,
                      "the enterprise's latest sealed score at approval time" if not newer
                      else f"stale: newer score {newer[-1].id} dated "
                      f"{us_text(newer[-1].occurred_us)} was sealed before the approval")
        if not newer:
            judgement.add("latest_score_when_recorded", not known,
                          "no newer score was sealed when the approval was recorded"
                          if not known else
                          f"stale when recorded: newer score {known[-1].id} dated "
                          f"{us_text(known[-1].occurred_us)} was sealed before the approval "
                          f"was recorded ({us_text(row.recorded_us)}), though the approval "
                          f"is dated {us_text(row.occurred_us)}")

    @staticmethod
    def _consent_edge(row: Any, target: Any, judgement: Judgement, ev: Evidence) -> None:
        consent = ev.consent_by_id.get(target.id)
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
                ev.warnings.append((row.id, f"revocation {revocation.id} was recorded after "
                                            f"approval {row.id} but is dated before it "
                                            "(backdated?)"))
        judgement.add("consent_live_at_approval", state == LIVE, detail)
        if state == LIVE:
            # What the ledger already held when the approval was recorded: a revocation in
            # effect by then, or the expiry. (The consent's own recording is
            # ref_recorded_first.)
            recorded = row.recorded_us
            known = consent.revoked_by(recorded, as_known=True)
            expired = consent.expires_us is not None and recorded >= consent.expires_us
            after = (f"before the approval was recorded ({us_text(recorded)}), though the "
                     f"approval is dated {us_text(row.occurred_us)}")
            judgement.add(
                "consent_live_when_recorded", known is None and not expired,
                f"revoked by {known.id} (dated {us_text(known.occurred_us)}, recorded "
                f"{us_text(known.recorded_us)}) {after}" if known is not None else
                f"expired at {us_text(consent.expires_us or 0)}, {after}" if expired else
                "no revocation or expiry was on record when the approval was recorded")
        judgement.add("consent_covers_scores", consent.covers(SCORE),
                      f"scope {sorted(consent.scope)}")
        judgement.add("bank_is_grantee", consent.grantee_org == row.org,
                      f"granted to {consent.grantee_org}, approval recorded by {row.org}")


def _alert_list(alerts: list[Alert]) -> str:
    """Alerts as a check's detail names them: id (reason: indicators), ..."""
    return ", ".join(f"{a.id} ({a.reason_code}: {', '.join(a.indicators)})" for a in alerts)


def _registered_hash(row: Any) -> str | None:
    """A registration's model_hash when its specification hashes to it, else None."""
    if row.body is None or row.type != MODEL_TYPE:
        return None
    try:
        payload = orjson.loads(row.body)["payload"]
        ok = model_hash(payload["spec"]) == payload["model_hash"]
    except (TypeError, ValueError, KeyError):  # a tampered body: judged, not a crash
        return None
    return str(payload["model_hash"]) if ok else None


def _model_matches(score: Any, registration: Any) -> tuple[bool, str]:
    """Does the score name the registration's model by hash, id and version?"""
    registered = _registered_hash(registration)
    if score.body is None:
        # An erasure (a deletion request) deletes the payload on purpose; the model hash
        # was checked against the registration when the score was recorded.
        return True, ("the score was erased: its model hash was checked against the "
                      "registration on intake and can no longer be shown")
    try:
        payload = dict(orjson.loads(score.body)["payload"])
    except (TypeError, ValueError, KeyError):
        return False, "the score's stored body is not a score event"
    if registered is None:
        return False, (f"registration {registration.id}'s specification does not hash to "
                       "its model_hash (or it was erased)")
    reg = orjson.loads(registration.body)["payload"]
    ok = (payload.get("model_hash") == registered
          and payload.get("model_id") == reg["model_id"]
          and payload.get("model_version") == reg["model_version"])
    return ok, (f"model {reg['model_id']} {reg['model_version']} sha256 {registered}"
                + ("" if ok else f"; the score names {payload.get('model_id')} "
                   f"{payload.get('model_version')} sha256 {payload.get('model_hash')}"))


def _edge_kind(source: str, target: str) -> str:
    kinds = {SCORE: "score", CONSENT: "consent", APPROVAL: "approval",
             "loan.applied": "application", MODEL_TYPE: "model"}
    if source == "event.erased":
        return "erases"
    if source == "consent.revoked":
        return "revokes"
    return kinds.get(target, "ref")


