"""The wire contract: committed schema files match the models, and the models enforce the rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from reward_proto import (
    ItemStatus,
    OutcomeDetails,
    ScoreItem,
    ScoreRequest,
    ScoreResponse,
    ScoreResult,
    ScorerName,
)
from reward_proto.openapi import openapi_document, rendered_files

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "proto" / "schema"


@pytest.mark.parametrize("name", sorted(rendered_files()))
def test_committed_schema_matches_the_models(name: str) -> None:
    committed = SCHEMA_DIR / name
    assert committed.exists(), f"{committed} is missing: run `python -m reward_proto.openapi`"
    assert committed.read_text() == rendered_files()[name], (
        f"{committed} drifted from the models: run `python -m reward_proto.openapi` and commit the result"
    )


def test_no_stale_schema_files() -> None:
    assert {path.name for path in SCHEMA_DIR.iterdir()} == set(rendered_files())


def test_openapi_lists_every_route() -> None:
    assert set(openapi_document()["paths"]) == {
        "/score",
        "/v1/score",
        "/healthz",
        "/readyz",
        "/info",
        "/metrics",
        "/openapi.json",
    }


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="extra"):
        ScoreItem.model_validate({"id": "a", "response": "r", "answer": "3"})


def test_response_is_required() -> None:
    with pytest.raises(ValidationError, match="response"):
        ScoreItem.model_validate({"id": "a"})


def test_ids_must_be_unique() -> None:
    item = {"id": "a", "response": "r"}
    with pytest.raises(ValidationError, match="duplicate item id"):
        ScoreRequest.model_validate({"items": [item, item]})


def test_empty_request_is_refused() -> None:
    with pytest.raises(ValidationError):
        ScoreRequest.model_validate({"items": []})


def test_unknown_answer_type_is_refused() -> None:
    with pytest.raises(ValidationError, match="answer_type"):
        ScoreItem.model_validate({"id": "a", "response": "r", "answer_type": "vibes"})


@pytest.mark.parametrize("status", [ItemStatus.ERROR, ItemStatus.TIMEOUT, ItemStatus.INVALID])
def test_a_failed_item_never_carries_a_score(status: ItemStatus) -> None:
    with pytest.raises(ValidationError, match="score exactly when"):
        ScoreResult(id="a", status=status, score=0.0)


def test_an_ok_item_always_carries_a_score() -> None:
    with pytest.raises(ValidationError, match="score exactly when"):
        ScoreResult(id="a", status=ItemStatus.OK)


def test_scores_stay_in_the_unit_interval() -> None:
    with pytest.raises(ValidationError):
        ScoreResult(id="a", status=ItemStatus.OK, score=1.5)


def test_what_the_server_writes_parses_back() -> None:
    """The server drops null fields on the wire; a client must still parse every result."""
    response = ScoreResponse(
        scorer=ScorerName.OUTCOME,
        model="verifier",
        model_version="1",
        results=[
            ScoreResult(
                id="a",
                status=ItemStatus.OK,
                score=0.0,
                details=OutcomeDetails(
                    format_ok=False, extracted=None, accuracy=None, reason="no_answer_tag"
                ),
            )
        ],
    )
    wire = response.model_dump_json(exclude_none=True)
    assert ScoreResponse.model_validate_json(wire) == response
