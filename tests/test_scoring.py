"""Scores computed by a registered model: intake rules, /v1/models, /v1/scores, rescoring.

Every refusal is checked to have recorded nothing: the events table holds exactly
what it held before the request.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import func, select

from ledger_proof.scoring import REFERENCE_SPEC, model_hash
from ledger_service.evidence.schemas import MODEL_TYPE
from ledger_service.evidence.scoring import registration_event
from ledger_service.evidence.story import ENTERPRISES, OPERATOR_USCC, at, consent_event
from ledger_service.store.tables import EVENTS

from .conftest import Api
from .scoring_support import CARD, REFERENCE_MODEL_ID, SALT, inputs_for, scored_event

E1, E2, E3 = (e.uscc for e in ENTERPRISES)


def stored(api: Api) -> int:
    with api.ctx.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(EVENTS)).scalar_one()


def refused(api: Api, who: str, path: str, body: Any, status: int, code: str) -> dict[str, Any]:
    """POST that must be refused with status and code, recording nothing."""
    before = stored(api)
    r = api.post(path, who, body)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code, r.text
    assert stored(api) == before
    return dict(r.json()["error"])


def other_spec(**changes: Any) -> dict[str, Any]:
    spec = copy.deepcopy(REFERENCE_SPEC)
    spec.update(changes)
    return spec


def alert(uscc: str = E1, level: str = "red", indicators: list[str] | None = None,
          hours: float = 1) -> dict[str, Any]:
    return {"type": "risk.alert", "enterprise_id": uscc, "occurred_at": at(hours),
            "payload": {"level": level, "indicators": indicators or ["current_ratio"],
                        "reason_code": "liquidity_low"}}


def cleared(alert_id: str, uscc: str = E1, hours: float = 2,
            refs: list[str] | None = None) -> dict[str, Any]:
    return {"type": "risk.cleared", "enterprise_id": uscc, "occurred_at": at(hours),
            "refs": [alert_id] if refs is None else refs,
            "payload": {"alert_id": alert_id, "reason_code": "resolved"}}


# -- score.computed on intake ----------------------------------------------------------


def test_a_consistent_score_citing_the_registration_is_recorded(api: Api) -> None:
    event_id = api.record("platform", scored_event(E1))
    body = api.get(f"/v1/events/{event_id}").json()["event"]
    assert body["refs"] == [REFERENCE_MODEL_ID]
    assert body["payload"]["model_hash"] == CARD.hash
    assert set(body["payload"]["factors"]) == set(CARD.factor_ids)


def test_a_score_citing_no_model_is_refused(api: Api) -> None:
    refused(api, "platform", "/v1/events", {**scored_event(E1), "refs": []}, 422,
            "unregistered_model")


def test_a_score_citing_a_non_registration_is_refused(api: Api) -> None:
    consent = api.record(E1, consent_event(E1))
    refused(api, "platform", "/v1/events", {**scored_event(E1), "refs": [consent]}, 422,
            "unregistered_model")


def test_a_score_citing_an_unrecorded_model_is_refused(api: Api) -> None:
    refused(api, "platform", "/v1/events", {**scored_event(E1), "refs": ["evt_" + "ab" * 16]},
            422, "unknown_ref")


def test_a_score_with_another_model_hash_is_refused(api: Api) -> None:
    event = scored_event(E1)
    event["payload"]["model_hash"] = "0" * 64
    error = refused(api, "platform", "/v1/events", event, 422, "model_hash_mismatch")
    assert error["details"]["registered_hash"] == CARD.hash


def test_a_score_naming_another_version_is_refused(api: Api) -> None:
    event = scored_event(E1)
    event["payload"]["model_version"] = "9.9"
    refused(api, "platform", "/v1/events", event, 422, "model_hash_mismatch")


def test_a_score_citing_a_second_registered_model_with_the_first_ones_hash(api: Api) -> None:
    second = other_spec(model_version="2.0")
    assert api.post("/v1/models", "platform", second).status_code == 201
    event = scored_event(E1)
    event["refs"] = ["evt_" + model_hash(second)[:32]]
    refused(api, "platform", "/v1/events", event, 422, "model_hash_mismatch")
    event["refs"].append(REFERENCE_MODEL_ID)  # two registrations: which computed it?
    refused(api, "platform", "/v1/events", event, 422, "unregistered_model")


@pytest.mark.parametrize("field", ["score", "grade", "dimension:financial_health",
                                   "dimension:growth_potential"])
def test_an_inconsistent_score_is_refused_naming_the_field(api: Api, field: str) -> None:
    event = scored_event(E1)
    payload = event["payload"]
    if field == "score":
        payload["score"] += 1
    elif field == "grade":
        payload["grade"] = "AAA" if payload["grade"] != "AAA" else "C"
    else:
        payload["dimensions"][field.split(":")[1]] += 1
    error = refused(api, "platform", "/v1/events", event, 422, "inconsistent_score")
    assert error["details"]["field"] == field


def test_a_score_with_a_factor_missing_or_unknown_is_refused(api: Api) -> None:
    event = scored_event(E1)
    event["payload"]["factors"].pop("solvency")
    refused(api, "platform", "/v1/events", event, 422, "inconsistent_score")
    event = scored_event(E1)
    event["payload"]["factors"]["luck"] = 500
    refused(api, "platform", "/v1/events", event, 422, "inconsistent_score")


def test_a_score_with_a_factor_out_of_range_is_refused(api: Api) -> None:
    event = scored_event(E1)
    event["payload"]["factors"]["solvency"] = 1001
    refused(api, "platform", "/v1/events", event, 422, "validation_error")


def test_a_score_may_cite_the_registration_across_enterprises_but_nothing_else(api: Api
                                                                             ) -> None:
    other = api.record(E2, consent_event(E2))
    event = scored_event(E1)
    event["refs"].append(other)
    refused(api, "platform", "/v1/events", event, 422, "ref_rule")
    # Only a score may cite a registration.
    refused(api, E1, "/v1/events", {**consent_event(E1), "refs": [REFERENCE_MODEL_ID]},
            422, "ref_rule")
    refused(api, "platform", "/v1/events", {**alert(), "refs": [REFERENCE_MODEL_ID]},
            422, "ref_rule")


def test_a_bulk_may_register_a_model_and_score_with_it(api: Api) -> None:
    spec = other_spec(model_version="2.0")
    registration = registration_event(spec, OPERATOR_USCC, at(-1))
    event = scored_event(E1)
    card_hash = model_hash(spec)
    event["refs"] = [registration["id"]]
    event["payload"]["model_version"] = "2.0"
    event["payload"]["model_hash"] = card_hash
    r = api.post("/v1/events/bulk", "platform", {"events": [registration, event]})
    assert r.status_code == 201, r.text
    assert api.get("/v1/models/tri-dim-scorecard/2.0", "bank").json()["model_hash"] == card_hash


# -- model.registered on intake --------------------------------------------------------


def test_a_registration_with_a_bad_spec_hash_or_ids_is_refused(api: Api) -> None:
    spec = other_spec(model_version="2.0")
    good = registration_event(spec, OPERATOR_USCC)
    bad_hash = copy.deepcopy(good)
    bad_hash["payload"]["model_hash"] = "0" * 64
    error = refused(api, "platform", "/v1/events", bad_hash, 422, "invalid_model")
    assert error["details"]["field"] == "model_hash"
    bad_id = copy.deepcopy(good)
    bad_id["payload"]["model_id"] = "another"
    refused(api, "platform", "/v1/events", bad_id, 422, "invalid_model")
    broken = other_spec(model_version="2.0")
    broken["dimensions"][0]["weight"] += 1
    refused(api, "platform", "/v1/events", registration_event(broken, OPERATOR_USCC), 422,
            "invalid_model")
    refused(api, "platform", "/v1/events", registration_event(spec, E1), 422, "invalid_model")
    assert api.post("/v1/events", "platform", good).status_code == 201


def test_one_model_id_and_version_is_registered_once(api: Api) -> None:
    # The same registration again is answered (a retry), not recorded twice.
    same = registration_event(REFERENCE_SPEC, OPERATOR_USCC)
    before = stored(api)
    r = api.post("/v1/events", "platform", same)
    assert r.status_code == 200 and r.json()["id"] == REFERENCE_MODEL_ID
    assert stored(api) == before
    # The same specification under another event id: refused.
    again = {**same, "id": "evt_" + "1" * 32}
    error = refused(api, "platform", "/v1/events", again, 409, "model_conflict")
    assert error["details"]["same_specification"] is True
    # Another specification under the registered id and version: refused.
    changed = other_spec()
    changed["scale"] = "another scale text"
    error = refused(api, "platform", "/v1/events", registration_event(changed, OPERATOR_USCC),
                    409, "model_conflict")
    assert error["details"]["same_specification"] is False


def test_two_registrations_of_one_version_in_one_bulk_are_refused(api: Api) -> None:
    a = other_spec(model_version="3.0")
    b = other_spec(model_version="3.0", scale="other")
    refused(api, "platform", "/v1/events/bulk",
            {"events": [registration_event(a, OPERATOR_USCC),
                        registration_event(b, OPERATOR_USCC)]}, 409, "model_conflict")


def test_a_registration_is_never_erased(api: Api) -> None:
    r = api.post(f"/v1/events/{REFERENCE_MODEL_ID}/erase", "platform", {"reason": "x"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_erasable"


# -- risk alerts -----------------------------------------------------------------------


def test_alerts_and_clearances_are_recorded(api: Api) -> None:
    alert_id = api.record("platform", alert(level="yellow"))
    cleared_id = api.record("platform", cleared(alert_id))
    body = api.get(f"/v1/events/{cleared_id}", E1).json()["event"]
    assert body["refs"] == [alert_id]


@pytest.mark.parametrize("payload,code", [
    ({"level": "green", "indicators": ["current_ratio"], "reason_code": "x"},
     "validation_error"),
    ({"level": "red", "indicators": [], "reason_code": "x"}, "validation_error"),
    ({"level": "red", "indicators": ["current_ratio", "current_ratio"], "reason_code": "x"},
     "validation_error"),
    ({"level": "red", "indicators": ["moon_phase"], "reason_code": "x"}, "invalid_model"),
    ({"level": "red", "indicators": ["current_ratio"], "reason_code": "free text!"},
     "validation_error"),
])
def test_a_bad_alert_is_refused(api: Api, payload: dict[str, Any], code: str) -> None:
    refused(api, "platform", "/v1/events", {**alert(), "payload": payload}, 422, code)


def test_a_clearance_must_cite_an_uncleared_alert_of_the_enterprise(api: Api) -> None:
    alert_id = api.record("platform", alert())
    other = api.record("platform", alert(uscc=E2))
    score = api.record("platform", scored_event(E1))
    refused(api, "platform", "/v1/events", cleared(alert_id, refs=[]), 422, "ref_rule")
    refused(api, "platform", "/v1/events", cleared(score), 422, "ref_rule")
    refused(api, "platform", "/v1/events", cleared(other), 422, "ref_rule")
    refused(api, "platform", "/v1/events/bulk",
            {"events": [cleared(alert_id), cleared(alert_id, hours=3)]}, 409,
            "alert_already_cleared")
    api.record("platform", cleared(alert_id))
    refused(api, "platform", "/v1/events", cleared(alert_id, hours=3), 409,
            "alert_already_cleared")


@pytest.mark.parametrize("who", ["bank", "auditor", E1])
def test_only_the_platform_records_model_evidence(api: Api, who: str) -> None:
    alert_id = api.record("platform", alert())
    spec = other_spec(model_version="4.0")
    for event in (registration_event(spec, OPERATOR_USCC), alert(), cleared(alert_id)):
        error = refused(api, who, "/v1/events", event, 403, "forbidden")
        assert error["details"]["reason"] == "role_may_not_record"


# -- reading models --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["bank", "auditor", "platform", E3])
def test_every_key_reads_the_registered_models(api: Api, who: str) -> None:
    listed = api.get("/v1/models", who).json()["models"]
    assert [m["event_id"] for m in listed] == [REFERENCE_MODEL_ID]
    one = api.get(f"/v1/models/{CARD.model_id}/{CARD.model_version}", who).json()
    assert one["spec"] == REFERENCE_SPEC and one["model_hash"] == model_hash(REFERENCE_SPEC)
    r = api.get(f"/v1/events/{REFERENCE_MODEL_ID}", who)
    assert r.status_code == 200 and r.json()["type"] == MODEL_TYPE
    assert api.get("/v1/models/tri-dim-scorecard/0.0", who).status_code == 404


def test_registering_over_the_api(api: Api) -> None:
    assert api.post("/v1/models", "platform", REFERENCE_SPEC).status_code == 200  # the same
    spec = other_spec(model_version="5.0")
    r = api.post("/v1/models", "platform", spec)
    assert r.status_code == 201 and r.json()["model_version"] == "5.0"
    changed = other_spec(model_version="5.0", scale="changed")
    refused(api, "platform", "/v1/models", changed, 409, "model_conflict")
    broken = other_spec(model_version="6.0")
    broken["grades"] = []
    refused(api, "platform", "/v1/models", broken, 422, "invalid_model")
    refused(api, "platform", "/v1/models", [1, 2], 422, "invalid_model")
    for who in ("bank", "auditor", E1):
        refused(api, who, "/v1/models", other_spec(model_version="7.0"), 403, "forbidden")
    before = stored(api)
    r = api.client.post("/v1/models", content=b"{nope", headers=api.headers("platform"))
    assert r.status_code == 400 and stored(api) == before


# -- /v1/scores ------------------------------------------------------------------------


def score_body(**changes: Any) -> dict[str, Any]:
    return {"enterprise_id": E1, "inputs": inputs_for(), "occurred_at": at(0), **changes}


def test_scoring_inputs_records_the_models_score_and_hands_out_the_salt(api: Api) -> None:
    r = api.post("/v1/scores", "platform", score_body())
    assert r.status_code == 201, r.text
    body = r.json()
    salt = bytes.fromhex(body["inputs_salt"])
    assert len(salt) == 32
    assert body["registration"] == REFERENCE_MODEL_ID
    expected = CARD.compute(inputs_for())
    payload = body["event"]["payload"]
    assert (payload["score"], payload["grade"]) == (expected.score, expected.grade)
    assert payload["factors"] == expected.factors
    assert body["event"]["refs"] == [REFERENCE_MODEL_ID]
    assert api.get(f"/v1/events/{body['id']}").json()["event"] == body["event"]
    # The salt is not kept: it appears nowhere in what the service stored.
    with api.ctx.engine.connect() as conn:
        row = conn.execute(select(EVENTS.c.body).where(EVENTS.c.id == body["id"])).one()
    assert body["inputs_salt"].encode() not in row.body


def _bad_inputs() -> list[tuple[str, dict[str, Any], str, str | None]]:
    cases: list[tuple[str, dict[str, Any], str, str | None]] = []
    missing = inputs_for()
    del missing["indicators"]["quick_ratio"]
    cases.append(("missing", missing, "quick_ratio", "missing"))
    high = inputs_for(debt_to_asset_ratio=100_001)
    cases.append(("out of range", high, "debt_to_asset_ratio", "out_of_range"))
    unit = inputs_for()
    unit["indicators"]["current_ratio"]["unit"] = "percent"
    cases.append(("unit mismatch", unit, "current_ratio", "unit_mismatch"))
    for name, value in (("float", 52.0), ("string", "5200"), ("bool", True)):
        bad = inputs_for()
        bad["indicators"]["patent_stock"]["value"] = value
        cases.append((f"non-integer {name}", bad, "patent_stock", "not_integer"))
    unknown = inputs_for()
    unknown["indicators"]["moon_phase"] = {"value": 1, "unit": "count"}
    cases.append(("unknown", unknown, "moon_phase", "unknown"))
    cases.append(("malformed", {"indicators": [1]}, None, "malformed"))
    return cases


@pytest.mark.parametrize("name,inputs,indicator,reason", _bad_inputs(),
                         ids=[c[0] for c in _bad_inputs()])
def test_bad_inputs_are_refused_naming_the_indicator(api: Api, name: str,
                                                     inputs: dict[str, Any],
                                                     indicator: str | None, reason: str) -> None:
    error = refused(api, "platform", "/v1/scores", score_body(inputs=inputs), 422,
                    "invalid_inputs")
    assert error["details"] == {"indicator": indicator, "reason": reason}
    if indicator:
        assert indicator in error["message"]


def test_scoring_needs_a_registered_model(api: Api) -> None:
    error = refused(api, "platform", "/v1/scores",
                    score_body(model_id="tri-dim-scorecard", model_version="9.9"), 422,
                    "unregistered_model")
    assert error["details"]["model_version"] == "9.9"
    refused(api, "platform", "/v1/scores", score_body(model_id="tri-dim-scorecard"), 422,
            "validation_error")


def test_scoring_with_no_model_registered_is_refused(sqlite_ctx: Any) -> None:
    from fastapi.testclient import TestClient

    from ledger_service.api.app import create_app

    with sqlite_ctx.engine.begin() as conn:  # a ledger where nothing is registered
        conn.execute(EVENTS.delete())
    token = sqlite_ctx.keys.create("platform", "p")[1]
    client = TestClient(create_app(sqlite_ctx, background=False))
    r = client.post("/v1/scores", json=score_body(), headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "unregistered_model"


@pytest.mark.parametrize("body,code", [
    ({"inputs": inputs_for()}, "validation_error"),
    ({**score_body(), "extra": 1}, "validation_error"),
    (score_body(enterprise_id="91350100M000100Y44"), "validation_error"),
    (score_body(occurred_at="yesterday"), "validation_error"),
])
def test_a_malformed_score_request_is_refused(api: Api, body: dict[str, Any], code: str
                                              ) -> None:
    refused(api, "platform", "/v1/scores", body, 422, code)


@pytest.mark.parametrize("who", ["bank", "auditor", E1])
def test_only_the_platform_scores(api: Api, who: str) -> None:
    refused(api, who, "/v1/scores", score_body(), 403, "forbidden")


# -- rescoring -------------------------------------------------------------------------


def scored(api: Api, inputs: dict[str, Any] | None = None) -> tuple[str, str]:
    r = api.post("/v1/scores", "platform", score_body(inputs=inputs or inputs_for()))
    assert r.status_code == 201, r.text
    return r.json()["id"], r.json()["inputs_salt"]


def rescore(api: Api, event_id: str, inputs: Any, salt: str, who: str = "auditor") -> Any:
    return api.post(f"/v1/scores/{event_id}/rescore", who,
                    {"inputs": inputs, "inputs_salt": salt})


def test_rescoring_the_genuine_inputs_follows(api: Api) -> None:
    event_id, salt = scored(api)
    r = rescore(api, event_id, inputs_for(), salt)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["ok"] is True and report["first_difference"] is None
    assert report["registration"] == REFERENCE_MODEL_ID
    assert all(c["status"] == "pass" for c in report["checks"])


@pytest.mark.parametrize("indicator", list(CARD.indicator_ids))
def test_rescoring_with_one_indicator_changed_names_the_difference(api: Api, indicator: str
                                                                   ) -> None:
    event_id, salt = scored(api)
    spec = CARD.indicator(indicator)
    changed = inputs_for()
    value = changed["indicators"][indicator]["value"]
    # Within the normalisation bounds, so the change moves the indicator's points.
    step = max(1, (spec["upper"] - spec["lower"]) // 4)
    changed["indicators"][indicator]["value"] = value + step
    report = rescore(api, event_id, changed, salt).json()
    assert report["ok"] is False
    assert report["first_difference"] == f"factor:{CARD.factor_of(indicator)}"


def test_rescoring_with_the_wrong_salt_or_invalid_inputs(api: Api) -> None:
    event_id, salt = scored(api)
    report = rescore(api, event_id, inputs_for(), "00" * 32).json()
    assert report["ok"] is False and report["first_difference"] == "inputs_digest"
    bad = inputs_for(debt_to_asset_ratio=-1)
    report = rescore(api, event_id, bad, salt).json()
    assert report["ok"] is False
    assert report["first_difference"] == "indicator:debt_to_asset_ratio"
    for salt_text in ("zz" * 32, "00" * 31, 7):
        r = rescore(api, event_id, inputs_for(), salt_text)  # type: ignore[arg-type]
        assert r.status_code == 422, r.text


def test_rescoring_a_story_score_reports_the_digest(api: Api) -> None:
    """A score recorded as an event (not from inputs through the service) is judged the
    same way: these inputs do not produce it."""
    event_id = api.record("platform", scored_event(E1, inputs_for(patent_stock=3)))
    report = rescore(api, event_id, inputs_for(patent_stock=3), SALT.hex()).json()
    assert report["ok"] is True
    report = rescore(api, event_id, inputs_for(), SALT.hex()).json()
    assert report["first_difference"] == "factor:innovation"


def test_who_may_rescore_is_who_may_read_the_score(api: Api) -> None:
    event_id, salt = scored(api)
    assert rescore(api, event_id, inputs_for(), salt, who=E1).json()["ok"] is True
    assert rescore(api, event_id, inputs_for(), salt, who="platform").status_code == 200
    unknown = "evt_" + "9" * 32
    foreign = rescore(api, event_id, inputs_for(), salt, who=E2)
    absent = rescore(api, unknown, inputs_for(), salt, who=E2)
    assert foreign.status_code == absent.status_code == 404
    assert foreign.json()["error"]["message"].replace(event_id, "X") == \
        absent.json()["error"]["message"].replace(unknown, "X")
    # The bank holds no consent of E1: the same 404.
    assert rescore(api, event_id, inputs_for(), salt, who="bank").status_code == 404
    api.record(E1, consent_event(E1))
    assert rescore(api, event_id, inputs_for(), salt, who="bank").json()["ok"] is True
    # Not a score: said so, to a caller who may read it.
    consent = api.record(E1, consent_event(E1, hours=2))
    r = rescore(api, consent, inputs_for(), salt, who="auditor")
    assert r.status_code == 404 and "not a score.computed" in r.json()["error"]["message"]


def test_an_erased_score_cannot_be_rescored(api: Api) -> None:
    event_id, salt = scored(api)
    assert api.post(f"/v1/events/{event_id}/erase", "platform",
                    {"reason": "pipl_deletion_request"}).status_code == 200
    r = rescore(api, event_id, inputs_for(), salt)
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_erased"
