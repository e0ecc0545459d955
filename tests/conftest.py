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


@pytest.fixture
def server_dir(tmp_path: Path) -> Path:
    return tmp_path
