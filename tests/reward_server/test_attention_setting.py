"""`attn_implementation`: a judge setting, an environment variable and a flag, derived from the model."""

from __future__ import annotations

import subprocess
import sys

import pytest
from reward_server.cli import parse
from reward_server.config import JudgeSettings, Settings
from reward_server.scorers.factory import _transformers_engine


def test_it_defaults_to_auto_and_reads_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().judge.attn_implementation == "auto"
    monkeypatch.setenv("REWARD_SERVER_ATTN_IMPLEMENTATION", "eager")
    assert Settings().judge.attn_implementation == "eager"
    assert parse(["--attn-implementation", "sdpa"]).judge.attn_implementation == "sdpa"


def test_a_value_it_does_not_know_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse(["--attn-implementation", "flash"])
    assert exited.value.code == 2
    assert "--attn-implementation" in capsys.readouterr().err


def test_help_shows_the_flag_with_its_choices() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reward_server", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "--attn-implementation" in result.stdout
    assert "REWARD_SERVER_ATTN_IMPLEMENTATION" in result.stdout
    assert "flash_attention_2" in result.stdout


def test_the_factory_hands_it_to_the_transformers_engine() -> None:
    settings = Settings(backend="transformers", model="some/judge", attn_implementation="eager")
    engine = _transformers_engine("some/judge", settings.judge, settings.upstream)
    assert engine._attn_implementation == "eager"  # type: ignore[attr-defined]
    assert "attn_implementation" in JudgeSettings.model_fields
