"""Provenance: an event's dependency graph, each node proved, each edge judged."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from ledger_service.api.schemas.common import DEMO_USCC, EventId, Hex64, Instant, Receipt
from ledger_service.api.schemas.errors import KEYED, READ_REASONS, error_responses
from ledger_service.api.schemas.events import EventStatus

Judged = Literal["valid", "invalid"]


class RuleCheck(BaseModel):
    """One provenance rule, judged on stored evidence (true or false, never unknown)."""

    name: Annotated[str, Field(examples=["consent_live_at_approval"])]
    ok: bool
    detail: str
    warning: Annotated[bool, Field(description=(
        "Present (true) on a check that holds but warns: `score_stale`, "
        "`yellow_alert_live`, `blue_alert_live`; never makes the graph invalid"))] = False


class NodeBatch(BaseModel):
    seq: int
    leaf_index: int
    sealed_at: Instant
    header_hash: Hex64


class NodeProof(BaseModel):
    status: EventStatus
    verified: Annotated[bool | None, Field(description="null while pending")]
    failed_checks: list[str]
    batch: NodeBatch | None


class ConsentRevocation(BaseModel):
    id: EventId
    occurred_at: Instant


class ConsentTerms(BaseModel):
    grantee_org: str
    scope: list[str]
    expires_at: Instant | None
    revocations: list[ConsentRevocation]


class AlertAtApproval(BaseModel):
    """A risk alert of the enterprise live at an approval's occurred_at (details null
    when the caller's consent does not cover risk.alert)."""

    id: EventId
    occurred_at: Instant
    redacted: bool
    level: Literal["red", "yellow", "blue"] | None
    indicators: list[str] | None
    reason_code: str | None


class ProvenanceNode(BaseModel):
    id: EventId
    type: str
    enterprise_id: str
    org: str
    occurred_at: Instant
    recorded_at: Instant
    leaf_hash: Hex64
    commitment: Hex64
    erased: bool
    redacted: Annotated[bool, Field(description=(
        "The caller may not read this event: its body is withheld, its proof is not"))]
    proof: NodeProof
    anchors: list[Receipt]
    event: dict[str, Any] | None
    consent: Annotated[ConsentTerms | None, Field(description="For a readable consent")] = None
    alerts_at_approval: Annotated[list[AlertAtApproval] | None, Field(description=(
        "For a loan.approved: the enterprise's risk alerts live at its occurred_at"))] = None
    checks: list[RuleCheck]
    verdict: Judged


class ProvenanceEdge(BaseModel):
    from_: Annotated[EventId, Field(alias="from")]
    to: EventId
    kind: Annotated[str, Field(examples=["score", "consent", "approval", "application", "model",
                                         "revokes", "erases", "ref", "missing"])]
    verdict: Judged
    checks: list[RuleCheck]


class ProvenanceReason(BaseModel):
    code: Annotated[str, Field(description="The failed check's name")]
    event_id: EventId
    ref: EventId | None = None
    message: str


class ProvenanceGraph(BaseModel):
    """Verdicts are computed on all evidence, whatever part of it the caller may read."""

    enterprise_id: Annotated[str, Field(examples=[DEMO_USCC])]
    event_id: EventId
    root_type: Annotated[str, Field(examples=["loan.approved"])]
    verdict: Judged
    reasons: list[ProvenanceReason]
    warnings: list[str]
    nodes: list[ProvenanceNode]
    edges: list[ProvenanceEdge]


PROVENANCE_RESPONSES = error_responses(("validation_error", "forbidden", "not_found", *KEYED),
                                       READ_REASONS)
