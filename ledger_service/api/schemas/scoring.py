"""Scoring models and scores: registrations, a computed score with its salt, rescoring."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ledger_service.api.schemas.common import DEMO_USCC, EventId, Hex64, Instant
from ledger_service.api.schemas.errors import (
    KEYED,
    READ_REASONS,
    ROLE_REASONS,
    error_responses,
)
from ledger_service.api.schemas.events import EventStatus


class ModelSummary(BaseModel):
    """A registered scoring model (its ``model.registered`` event)."""

    event_id: Annotated[EventId, Field(description="The model.registered event, which every "
                                       "score computed with the model refs")]
    model_id: Annotated[str, Field(examples=["tri-dim-scorecard"])]
    model_version: Annotated[str, Field(examples=["1.0"])]
    model_hash: Annotated[Hex64, Field(description="SHA-256 of the specification's RFC 8785 "
                                       "canonical JSON")]
    registered_at: Instant
    recorded_at: Instant
    status: EventStatus


class ModelList(BaseModel):
    models: list[ModelSummary]


class ModelRecord(ModelSummary):
    """A registered model with its canonical specification (scorecard/v1)."""

    spec: Annotated[dict[str, Any], Field(description="The model's specification: "
                                          "dimensions, factors, indicators (unit, direction, "
                                          "valid range, normalisation bounds, weight), grades")]


class ScoreIn(BaseModel):
    """Inputs to score with a registered model (the last registered when none is named)."""

    model_config = ConfigDict(extra="forbid")

    enterprise_id: Annotated[str, Field(examples=[DEMO_USCC])]
    inputs: Annotated[dict[str, Any], Field(description='`{"indicators": {id: {"value": '
                                            'int, "unit": str}}}`: every indicator of the '
                                            "model, integers in its documented unit")]
    occurred_at: Instant | None = None
    model_id: str | None = None
    model_version: str | None = None


class ScoreRecord(BaseModel):
    """The recorded score and the one copy of the salt of its inputs digest."""

    id: EventId
    leaf_hash: Hex64
    status: EventStatus
    event: Annotated[dict[str, Any], Field(description="The committed score.computed event")]
    registration: Annotated[EventId, Field(description="The model.registered it cites")]
    inputs_salt: Annotated[Hex64, Field(description=(
        "The 32-byte salt of inputs_digest, hex: the service does not keep it. Whoever "
        "holds the inputs and the salt can recompute the score (POST "
        "/v1/scores/{event_id}/rescore, `ledger rescore`, `credit-verify rescore`)"))]


class RescoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    inputs: dict[str, Any]
    inputs_salt: Annotated[str, Field(description="The salt handed out with the score, hex")]


class RescoreCheck(BaseModel):
    name: Annotated[str, Field(examples=["factor:solvency"])]
    status: Literal["pass", "fail"]
    detail: str


class RescoreModel(BaseModel):
    model_id: str
    model_version: str
    model_hash: Hex64


class Recomputed(BaseModel):
    score: int
    grade: str
    dimensions: dict[str, int]
    factors: dict[str, int]


class RescoreReport(BaseModel):
    """Whether the recorded score follows from the inputs under its registered model."""

    ok: bool
    first_difference: Annotated[str | None, Field(description=(
        "The first check that failed: `model_hash`, `indicator:<id>` (the inputs are not "
        "valid), `factor:<id>`, `dimension:<id>`, `score`, `grade`, `inputs_digest`"),
        examples=["factor:solvency"])]
    model: RescoreModel | None
    checks: list[RescoreCheck]
    recomputed: Recomputed | None
    event_id: EventId
    registration: EventId
    registered_hash: Hex64


MODEL_LIST_RESPONSES = error_responses(KEYED)
MODEL_READ_RESPONSES = error_responses(("not_found", *KEYED))
REGISTER_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": ModelRecord, "description": "The same specification is registered "
          "already: its registration"},
    **error_responses(("invalid_json", "validation_error", "invalid_model", "forbidden",
                       "model_conflict", "payload_too_large", *KEYED), ROLE_REASONS)}
SCORE_RESPONSES = error_responses(("invalid_json", "validation_error", "invalid_inputs",
                                   "unregistered_model", "forbidden", "payload_too_large",
                                   *KEYED), ROLE_REASONS)
RESCORE_RESPONSES = error_responses(("invalid_json", "validation_error", "unregistered_model",
                                     "forbidden", "not_found", "already_erased",
                                     "payload_too_large", *KEYED), READ_REASONS)
