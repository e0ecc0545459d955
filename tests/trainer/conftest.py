from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import RunningServer, start_server


@pytest.fixture(scope="session")
def tiny_policy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny policy with a very short warm-up: writes the format, rarely the right answer."""
    from tiny_models.policy import build_tiny_policy

    return build_tiny_policy(tmp_path_factory.mktemp("models") / "tiny-policy", warmup_steps=40)


@pytest.fixture(scope="session")
def thinking_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The thinking-reward service with the rules judge."""
    server = start_server(tmp_path_factory.mktemp("thinking"), "--scorer", "thinking", "--backend", "rules")
    yield server
    server.stop()
