"""`trust-grpo`: help, and clear exits for bad configs and a resume with nothing to resume."""

from __future__ import annotations

from pathlib import Path

from trust_grpo.cli import app
from typer.testing import CliRunner

runner = CliRunner()


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "train" in result.output
    assert "make-policy" in result.output


def test_a_bad_config_exits_2_and_names_the_key(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("policy: p\ngroup_size: 1\n")
    result = runner.invoke(app, ["train", "--config", str(config)])
    assert result.exit_code == 2
    assert "group_size" in result.output


def test_resume_without_a_checkpoint_exits_2(tmp_path: Path, tiny_policy: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(f"policy: {tiny_policy}\noutput_dir: {tmp_path}\n")
    result = runner.invoke(app, ["train", "--config", str(config), "--resume", "--no-progress"])
    assert result.exit_code == 2
    assert "no checkpoint" in result.output
