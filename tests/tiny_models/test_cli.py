"""`tiny-models`: one command per builder, with the options and defaults they always had."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tiny_models.cli import app
from typer.testing import CliRunner

runner = CliRunner()


def help_text(*args: str) -> str:
    result = runner.invoke(
        app, [*args, "--help"], terminal_width=200, env={"NO_COLOR": "1", "COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_help_lists_the_builders() -> None:
    text = help_text()
    for command in ("judge", "vl-judge", "released-judge", "policy"):
        assert command in text


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("judge", ["--out", "models/tiny-judge", "--seed"]),
        ("vl-judge", ["--out", "models/tiny-vl-judge", "--seed"]),
        ("released-judge", ["--out", "models/judge-3b-shape", "--text-only", "--smoke", "--seed"]),
        (
            "policy",
            [
                "--out",
                "models/tiny-policy",
                "--seed",
                "--warmup-steps",
                "800",
                "--guess-share",
                "0.6",
                "--reuse",
            ],
        ),
    ],
)
def test_each_builder_keeps_its_options_and_defaults(command: str, options: list[str]) -> None:
    text = help_text(command)
    for option in options:
        assert option in text, f"{command}: {option}"


def test_the_guess_share_is_a_share() -> None:
    result = runner.invoke(app, ["policy", "--guess-share", "1.5"])
    assert result.exit_code == 2


def test_python_dash_m_runs_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tiny_models", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "vl-judge" in result.stdout


def test_policy_reuse_keeps_a_complete_policy_built_with_the_same_settings(tmp_path: Path) -> None:
    out = tmp_path / "policy"
    base = ["policy", "--out", str(out), "--warmup-steps", "2", "--reuse"]
    built = runner.invoke(app, base)
    assert built.exit_code == 0, built.output
    weights = out / "model.safetensors"
    first = weights.stat().st_mtime_ns

    again = runner.invoke(app, base)
    assert again.exit_code == 0, again.output
    assert "reused" in again.output
    assert weights.stat().st_mtime_ns == first

    other_seed = runner.invoke(app, [*base, "--seed", "1"])
    assert other_seed.exit_code == 0, other_seed.output
    assert "reused" not in other_seed.output
    assert json.loads((out / "tiny_policy.json").read_text())["seed"] == 1


@pytest.mark.parametrize("meta", ["", "{not json", "[]", '{"seed": 0, "warmup_steps": 2}'])
def test_policy_reuse_rebuilds_an_incomplete_or_foreign_directory(tmp_path: Path, meta: str) -> None:
    from tiny_models.policy import built_policy_matches

    (tmp_path / "tiny_policy.json").write_text(meta)
    assert not built_policy_matches(tmp_path, seed=0, warmup_steps=2, guess_share=0.6)
    assert not built_policy_matches(tmp_path / "missing", seed=0, warmup_steps=2, guess_share=0.6)
