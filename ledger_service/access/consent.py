"""Consent state, computed from the stored consent events (never cached, never stored).

A ``consent.granted`` is live from its ``occurred_at`` until its ``expires_at``,
or until a ``consent.revoked`` that refs it takes effect (at the revocation's
``occurred_at``). The state is derived on every question from the evidence
itself, so what the service enforces is exactly what an auditor can recompute
from the events: there is no second, mutable copy that could drift.

Reads, and a bank's right to record an enterprise's loan steps, are judged at
request time; a ``loan.approved`` is judged at its own ``occurred_at``
(provenance), with the same function, and also as the ledger knew it when the
approval was recorded (``known_at``: only revocations recorded by then count),
so that backdating cannot reach back before a recorded revocation or expiry.

An erased consent's terms (grantee, scope, expiry) are gone, so it can no
longer be matched to anyone: access that depended on it fails closed, and
provenance reports it as unjudgeable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, select

from ledger_proof.timefmt import from_text, to_us
from ledger_service.store.tables import EVENTS

GRANTED = "consent.granted"
REVOKED = "consent.revoked"

# Why a consent does not allow something (reason codes of 403 refusals).
LIVE = "live"
OUT_OF_SCOPE = "consent_out_of_scope"
REVOKED_REASON = "consent_revoked"
EXPIRED = "consent_expired"
NOT_YET_LIVE = "consent_not_yet_live"
ERASED = "consent_erased"
NO_CONSENT = "no_consent"

_CHUNK = 500


@dataclass(frozen=True)
class Revocation:
    """A consent.revoked: effective from its occurred_at."""

    id: str
    occurred_us: int
    recorded_us: int


@dataclass(frozen=True)
class Consent:
    """One consent.granted with the revocations that ref it."""

    id: str
    enterprise_id: str
    org: str
    occurred_us: int
    recorded_us: int
    pos: int
    #: None once the consent was erased: its terms can no longer be read.
    grantee_org: str | None
    scope: frozenset[str]
    expires_us: int | None
    revocations: tuple[Revocation, ...] = field(default=())
    purpose: str | None = None

    @property
    def erased(self) -> bool:
        return self.grantee_org is None

    def covers(self, event_type: str) -> bool:
        return "*" in self.scope or event_type in self.scope

    def revoked_by(self, instant_us: int, *, as_known: bool = False) -> Revocation | None:
        """The earliest revocation in effect at instant_us, if any. ``as_known``: only
        revocations already recorded at instant_us count (what the ledger itself said
        about this consent at that moment)."""
        effective = [r for r in self.revocations if r.occurred_us <= instant_us
                     and (not as_known or r.recorded_us <= instant_us)]
        return min(effective, key=lambda r: r.occurred_us) if effective else None

    def state_at(self, instant_us: int, *, as_known: bool = False) -> str:
        """LIVE, or the reason code saying why this consent is not live at instant_us.
        ``as_known``: as the ledger knew it then: the consent itself recorded by then, and
        a revocation recorded later, even if dated earlier, not counted."""
        if self.erased:
            return ERASED
        if instant_us < self.occurred_us or (as_known and instant_us < self.recorded_us):
            return NOT_YET_LIVE
        if self.revoked_by(instant_us, as_known=as_known) is not None:
            return REVOKED_REASON
        if self.expires_us is not None and instant_us >= self.expires_us:
            return EXPIRED
        return LIVE

    def allows(self, grantee_org: str, event_type: str, instant_us: int) -> str:
        """LIVE if this consent lets grantee_org see event_type at instant_us, else why not."""
        state = self.state_at(instant_us)
        if state != LIVE:
            return state
        if self.grantee_org != grantee_org:
            return NO_CONSENT
        return LIVE if self.covers(event_type) else OUT_OF_SCOPE


@dataclass(frozen=True)
class Decision:
    """The answer to "may grantee see this type now?", with the consents it rests on."""

    allowed: bool
    reason: str
    consent_ids: tuple[str, ...] = ()


class ConsentBook:
    """Reads consent events of one enterprise and answers consent questions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def consents(self, enterprise_id: str, conn: Connection | None = None) -> list[Consent]:
        """Every consent.granted of the enterprise (oldest first) with its revocations."""
        if conn is None:
            with self.engine.connect() as own:
                return self.consents(enterprise_id, own)
        rows = conn.execute(
            select(EVENTS.c.id, EVENTS.c.type, EVENTS.c.org, EVENTS.c.occurred_us,
                   EVENTS.c.recorded_us, EVENTS.c.pos, EVENTS.c.refs, EVENTS.c.body)
            .where(EVENTS.c.enterprise_id == enterprise_id)
            .where(EVENTS.c.type.in_((GRANTED, REVOKED)))
            .order_by(EVENTS.c.pos)).all()
        return build_consents(enterprise_id, rows)

    def consents_of(self, enterprises: Iterable[str], conn: Connection | None = None
                    ) -> dict[str, list[Consent]]:
        """consents() of many enterprises, in chunked queries (bulk intake asks for many)."""
        if conn is None:
            with self.engine.connect() as own:
                return self.consents_of(enterprises, own)
        wanted = sorted(set(enterprises))
        rows: dict[str, list[Any]] = {e: [] for e in wanted}
        for i in range(0, len(wanted), _CHUNK):
            for row in conn.execute(
                    select(EVENTS.c.id, EVENTS.c.type, EVENTS.c.org, EVENTS.c.occurred_us,
                           EVENTS.c.recorded_us, EVENTS.c.pos, EVENTS.c.refs, EVENTS.c.body,
                           EVENTS.c.enterprise_id)
                    .where(EVENTS.c.enterprise_id.in_(wanted[i:i + _CHUNK]))
                    .where(EVENTS.c.type.in_((GRANTED, REVOKED)))
                    .order_by(EVENTS.c.pos)):
                rows[row.enterprise_id].append(row)
        return {e: build_consents(e, found) for e, found in rows.items()}

    def of_grantee(self, enterprise_id: str, grantee_org: str) -> list[Consent]:
        return [c for c in self.consents(enterprise_id) if c.grantee_org == grantee_org]


def holds_consent(consents: Iterable[Consent], grantee_org: str, instant_us: int, *,
                  as_known: bool = False) -> bool:
    """Did grantee_org hold a live consent (any scope) among these at instant_us? With
    ``as_known``, as the ledger knew it then (Consent.state_at)."""
    for consent in consents:
        if (consent.grantee_org == grantee_org
                and consent.state_at(instant_us, as_known=as_known) == LIVE):
            return True
    return False


def judge(consents: list[Consent], grantee_org: str, event_type: str, instant_us: int
          ) -> Decision:
    """The decision over a set of consents: any live one covering the type suffices.

    When none does, the reason is ``consent_out_of_scope`` if a live consent
    exists but does not cover the type, else the state of the grantee's most
    recently recorded consent (the one the enterprise last spoke through),
    else ``no_consent``.
    """
    latest: str | None = None
    out_of_scope = False
    for consent in consents:
        if consent.grantee_org != grantee_org:
            continue
        verdict = consent.allows(grantee_org, event_type, instant_us)
        if verdict == LIVE:
            return Decision(True, LIVE, (consent.id,))
        out_of_scope = out_of_scope or verdict == OUT_OF_SCOPE
        latest = verdict
    if out_of_scope:
        return Decision(False, OUT_OF_SCOPE)
    return Decision(False, latest or NO_CONSENT)


def build_consents(enterprise_id: str, rows: Iterable[Any]) -> list[Consent]:
    """Consent objects from event rows (id, type, org, occurred_us, recorded_us, pos, refs,
    body), oldest first. Revocations are matched through the refs column, which
    survives erasure (the ref rule makes a revocation ref the consent it revokes)."""
    grants: list[Any] = []
    revocations: dict[str, list[Revocation]] = {}
    for row in rows:
        if row.type == GRANTED:
            grants.append(row)
        else:
            rev = Revocation(row.id, row.occurred_us, row.recorded_us)
            for ref in orjson.loads(row.refs):
                revocations.setdefault(ref, []).append(rev)
    out = []
    for row in grants:
        body = row.body
        grantee, scope, expires, purpose = None, frozenset(), None, None
        if body is not None:
            payload = orjson.loads(body)["payload"]
            purpose = payload.get("purpose")
            grantee = payload["grantee_org"]
            scope = frozenset(payload["scope"])
            expires = to_us(from_text(payload["expires_at"]))
        out.append(Consent(
            id=row.id, enterprise_id=enterprise_id, org=row.org,
            occurred_us=row.occurred_us, recorded_us=row.recorded_us,
            pos=row.pos, grantee_org=grantee, scope=scope,
            expires_us=expires, revocations=tuple(revocations.get(row.id, ())),
            purpose=purpose))
    return out


#: What a consent is now, as the enterprise's consent list shows it.
STATE_NAMES = {LIVE: "live", EXPIRED: "expired", REVOKED_REASON: "revoked",
               NOT_YET_LIVE: "not_yet_live", ERASED: "erased"}


def describe(consent: Consent, instant_us: int) -> dict[str, Any]:
    """One consent as a list row: its terms and its state at instant_us.

    The state is derived from the evidence exactly as access decisions are
    (``state_at``), so what the enterprise sees listed is what is enforced.
    """
    revocation = consent.revoked_by(instant_us)
    return {"id": consent.id, "grantee_org": consent.grantee_org,
            "scope": sorted(consent.scope), "purpose": consent.purpose,
            "occurred_us": consent.occurred_us,
            "recorded_us": consent.recorded_us, "expires_us": consent.expires_us,
            "state": STATE_NAMES[consent.state_at(instant_us)],
            "revoked_by": None if revocation is None else revocation.id}
