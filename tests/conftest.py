from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import RunningServer, start_server


@pytest.fixture(scope="session")
def outcome_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One outcome verifier for the session (default settings, 2 s per-item limit)."""
    server = start_server(tmp_path_factory.mktemp("outcome"), "--scorer", "outcome")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def rules_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One thinking-reward service with the `rules` judge for the session (default settings)."""
    server = start_server(tmp_path_factory.mktemp("rules"), "--scorer", "thinking", "--backend", "rules")
    yield server
    server.stop()


@pytest.fixture
def server_dir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture(scope="session")
def tiny_judge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny Qwen2 judge, built offline once per session (about 25 s)."""
    from tiny_models.judge import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("models") / "tiny-judge")
