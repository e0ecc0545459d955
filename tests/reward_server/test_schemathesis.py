"""schemathesis over the served OpenAPI document of both scorers: no server error, no answer that
the document does not describe (status code, schema, content type, headers)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import start_server

KEY = "schemathesis-key-0123456789"
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
]
SCORERS = {
    "outcome": ["--scorer", "outcome", "--verifier-workers", "1"],
    "thinking": ["--scorer", "thinking", "--backend", "rules"],
}


@pytest.mark.slow
@pytest.mark.parametrize("scorer", sorted(SCORERS))
def test_the_openapi_document_holds_against_generated_requests(tmp_path: Path, scorer: str) -> None:
    command = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert command is not None, "schemathesis is a dev dependency (pip install -e '.[dev]')"
    server = start_server(tmp_path, *SCORERS[scorer], api_key=KEY)
    try:
        run = subprocess.run(
            [
                command,
                "run",
                f"{server.url}/openapi.json",
                "--header",
                f"Authorization: Bearer {KEY}",
                "--checks",
                ",".join(CHECKS),
                "--max-examples",
                "50",
                "--seed",
                "1",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            cwd=tmp_path,  # its report folder
        )
    finally:
        server.stop()
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "No issues found" in run.stdout
    assert "Cancel" not in server.log()
