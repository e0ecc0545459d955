"""`trust-grpo`: help, and clear exits for bad configs and a resume with nothing to resume."""

from __future__ import annotations

from pathlib import Path

import pytest
from trust_grpo.cli import app
from typer.testing import CliRunner

runner = CliRunner()


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "train" in result.output
    assert "make-policy" in result.output


def test_train_help_lists_trls_settings_and_ours() -> None:
    result = runner.invoke(app, ["train", "--help"])
    assert result.exit_code == 0
    for flag in ("--num_generations", "--beta", "--outcome_url", "--trust_mode", "--policy", "--resume"):
        assert flag in result.output


@pytest.mark.parametrize(
    ("line", "key"),
    [("group_size: 1", "group_size"), ("alpha: -1", "alpha")],
    ids=["unknown key", "bad value"],
)
def test_a_bad_config_exits_2_and_names_the_key(tmp_path: Path, line: str, key: str) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(f"policy: p\n{line}\nuse_cpu: true\nbf16: false\n")
    result = runner.invoke(app, ["train", "--config", str(config)])
    assert result.exit_code == 2
    assert key in result.output


def test_resume_without_a_checkpoint_exits_2(tmp_path: Path, tiny_policy: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(
        f"policy: {tiny_policy}\noutput_dir: {tmp_path}\nuse_cpu: true\nbf16: false\n"
        "outcome_url: [http://127.0.0.1:9]\n"
    )
    result = runner.invoke(app, ["train", "--config", str(config), "--resume", "--no-progress"])
    assert result.exit_code == 2
    assert "no checkpoint" in result.output
