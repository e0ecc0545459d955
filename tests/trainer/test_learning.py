"""The toy run end to end on CPU, as the demo runs it: held-out accuracy rises by 10+ points."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tiny_models.policy import build_tiny_policy
from trust_grpo.cli import parse_train_args
from trust_grpo.run import run_training

from tests.servers import RunningServer

TOY = Path(__file__).resolve().parents[2] / "services" / "trainer" / "configs" / "toy.yaml"


@pytest.mark.slow
def test_the_toy_run_learns(
    tmp_path: Path, outcome_server: RunningServer, thinking_server: RunningServer
) -> None:
    policy = build_tiny_policy(tmp_path / "policy")  # the demo's policy: default warm-up
    run, config = parse_train_args(
        [
            "--config", str(TOY), "--policy", str(policy), "--output_dir", str(tmp_path / "run"),
            "--outcome_url", outcome_server.url, "--thinking_url", thinking_server.url,
        ]
    )  # fmt: skip
    summary = run_training(run, config, show_progress=False)
    before, after = summary["accuracy_before"], summary["accuracy_after"]
    print(f"held-out accuracy {before:.1%} -> {after:.1%}")
    assert 0.05 < before < 0.8, "the warmed-up policy should start well above 0% and well below 100%"
    assert after - before >= 0.10
    run_dir = tmp_path / "run"
    assert (run_dir / "rewards.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((run_dir / "summary.json").read_text())["steps"] == 60
    steps = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert len([record for record in steps if "loss" in record]) == 60
