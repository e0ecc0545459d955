"""`trust-grpo`: help from the config models, and clear exits for bad configs and a resume with
nothing to resume."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest
from trust_grpo.cli import app, train
from trust_grpo.config import TrustGRPOConfig
from trust_grpo.run import RunArguments
from typer.testing import CliRunner

runner = CliRunner()
ENV_PROBE = "TRUST_GRPO_TEST_CONFIG_ENV"  # a config's `env:` sets it


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "train" in result.output
    assert "make-policy" not in result.output  # the tiny policy is `tiny-models policy` (tools/)


@pytest.mark.parametrize(
    "args", [[], ["--out", "models/tiny-policy", "--seed", "1"], ["--help"], ["extra", "-x"]]
)
def test_make_policy_says_where_it_moved_whatever_the_arguments(args: list[str]) -> None:
    result = runner.invoke(app, ["make-policy", *args])
    assert result.exit_code == 2
    assert "moved: use `tiny-models policy` (tools/tiny_models)" in result.output


def test_the_cli_loads_trl_only_to_train() -> None:
    code = "import sys, trust_grpo.cli; assert 'trl' not in sys.modules, 'trl imported'"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_train_help_lists_trls_settings_and_ours() -> None:
    result = runner.invoke(app, ["train", "--help"])
    assert result.exit_code == 0
    for flag in ("--num_generations", "--beta", "--outcome_url", "--trust_mode", "--policy", "--resume"):
        assert flag in result.output
    assert "--no-progress" in result.output


def test_train_help_is_the_docstring_and_every_field_with_its_help() -> None:
    result = runner.invoke(app, ["train", "--help"], terminal_width=200, env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Exit codes: 0 done, 2" in " ".join(result.output.split())
    text = "".join(result.output.split())  # argparse wraps the help texts, also after hyphens
    assert "".join(inspect.cleandoc(train.__doc__ or "").split()) in text
    for model in (RunArguments, TrustGRPOConfig):
        for item in fields(model):
            assert f"--{item.name}" in text, item.name
            help_text = "".join(str(item.metadata.get("help", "")).split()).replace("%%", "%")
            assert help_text in text, item.name


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("polcy: p", "unknown keys in the config file: polcy "),
        ("policy: p\nzeta: 1\ngroup_size: 1", "unknown keys in the config file: group_size, zeta "),
        (f"env: {{{ENV_PROBE}: applied}}\npolicy: p\nlr: 1", "unknown keys in the config file: lr "),
        ("policy: p\nalpha: -1", "alpha must be >= 0, got -1"),
    ],
    ids=["a misspelt required key", "unknown keys, sorted", "next to env", "a bad value"],
)
def test_a_bad_config_exits_2_with_its_message_before_anything_is_applied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    monkeypatch.setenv(ENV_PROBE, "before")
    config = tmp_path / "bad.yaml"
    config.write_text(f"{text}\nuse_cpu: true\nbf16: false\n")
    result = runner.invoke(app, ["train", "--config", str(config)])
    assert result.exit_code == 2
    assert f"invalid config: {message}" in result.output
    assert os.environ[ENV_PROBE] == "before", "the config's env: was applied before it was refused"


def test_an_unknown_flag_exits_2_and_is_named(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("policy: p\nuse_cpu: true\nbf16: false\n")
    result = runner.invoke(app, ["train", "--config", str(config), "--group_size", "8"])
    assert result.exit_code == 2
    assert "unknown flags: --group_size 8" in result.output


def test_resume_without_a_checkpoint_exits_2(tmp_path: Path, tiny_policy: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(
        f"policy: {tiny_policy}\noutput_dir: {tmp_path}\nuse_cpu: true\nbf16: false\n"
        "outcome_url: [http://127.0.0.1:9]\n"
    )
    result = runner.invoke(app, ["train", "--config", str(config), "--resume", "--no-progress"])
    assert result.exit_code == 2
    assert "no checkpoint" in result.output
