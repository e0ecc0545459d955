"""The OpenAPI document and JSON Schemas of the wire contract, generated from the models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from reward_proto.models import (
    API_VERSION,
    ErrorEnvelope,
    HealthResponse,
    InfoResponse,
    ScoreRequest,
    ScoreResponse,
)

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"

_SCHEMA_MODELS: dict[str, type[BaseModel]] = {
    "score_request": ScoreRequest,
    "score_response": ScoreResponse,
    "error": ErrorEnvelope,
    "info": InfoResponse,
}

_ERROR_CODES = {
    "400": "Malformed JSON",
    "401": "Missing or wrong bearer token (when the server has an API key)",
    "408": "The request body was not received in time",
    "413": "Body or item count over the limit",
    "415": "The body is not sent as application/json",
    "422": "Request does not match the schema",
    "429": "Queue full; retry after `Retry-After` seconds",
    "503": "Not ready or shutting down",
}


def json_schemas() -> dict[str, dict[str, Any]]:
    """One standalone JSON Schema per top-level wire model."""
    return {name: model.model_json_schema() for name, model in _SCHEMA_MODELS.items()}


def _ref(name: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}


def _errors(*codes: str) -> dict[str, Any]:
    return {code: {"description": _ERROR_CODES[code], "content": _ref("ErrorEnvelope")} for code in codes}


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document served at `/openapi.json`."""
    _, defs = models_json_schema(
        [
            (m, "validation")
            for m in (ScoreRequest, ScoreResponse, ErrorEnvelope, InfoResponse, HealthResponse)
        ],
        ref_template="#/components/schemas/{model}",
    )
    score = {
        "summary": "Score a batch of items",
        "requestBody": {"required": True, "content": _ref("ScoreRequest")},
        "responses": {
            "200": {
                "description": "One result per item, matched by id",
                "content": _ref("ScoreResponse"),
            },
            **_errors("400", "401", "408", "413", "415", "422", "429", "503"),
        },
    }
    probe = {"200": {"description": "OK", "content": _ref("HealthResponse")}}
    # Probes answer without a key (Kubernetes and compose health checks carry none).
    open_route: dict[str, Any] = {"security": []}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Reward service", "version": API_VERSION},
        "paths": {
            "/score": {"post": {**score, "operationId": "score"}},
            "/v1/score": {"post": {**score, "operationId": "score_v1"}},
            "/healthz": {"get": {"summary": "Process alive", "responses": probe, **open_route}},
            "/readyz": {
                "get": {
                    "summary": "Engine loaded and queue below its high-water mark",
                    "responses": {
                        **probe,
                        "503": {"description": "Not ready", "content": _ref("HealthResponse")},
                    },
                    **open_route,
                }
            },
            "/info": {
                "get": {
                    "summary": "Scorer, model and limits",
                    "responses": {
                        "200": {"description": "OK", "content": _ref("InfoResponse")},
                        **_errors("401"),
                    },
                }
            },
            "/metrics": {
                "get": {
                    "summary": "Prometheus metrics",
                    "responses": {
                        "200": {
                            "description": "Prometheus text format",
                            "content": {"text/plain": {}},
                        },
                        **_errors("401"),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {
                        "200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}},
                        **_errors("401"),
                    },
                }
            },
        },
        "security": [{"bearer": []}],
        "components": {
            "schemas": defs["$defs"],
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def rendered_files() -> dict[str, str]:
    """File name (relative to `proto/schema/`) -> exact committed content."""
    files = {f"{name}.schema.json": _dump(schema) for name, schema in json_schemas().items()}
    files["openapi.json"] = _dump(openapi_document())
    return files


def _dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def write_schema_files(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Regenerate the committed schema files; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in rendered_files().items():
        path = directory / name
        path.write_text(content)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_schema_files():
        print(path)
