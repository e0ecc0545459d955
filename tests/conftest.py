from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
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


@pytest.fixture
def no_flash_attn_module() -> Iterator[None]:
    """Whatever a test imports as `flash_attn` is forgotten after it."""
    sys.modules.pop("flash_attn", None)
    yield
    sys.modules.pop("flash_attn", None)


@pytest.fixture
def fake_flash_attn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_flash_attn_module: None
) -> Callable[[str], None]:
    """Put a `flash_attn` package with the given `__init__.py` on sys.path."""

    def install(source: str) -> None:
        package = tmp_path / "site" / "flash_attn"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text(source)
        monkeypatch.syspath_prepend(str(package.parent))

    return install


@pytest.fixture
def gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """torch says CUDA is available (nothing runs on it: for choices made from that answer)."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
