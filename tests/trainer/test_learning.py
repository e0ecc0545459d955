"""The toy run end to end on CPU: Trust-GRPO raises held-out accuracy by at least 10 points."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from trust_grpo.config import TrainConfig
from trust_grpo.tiny_policy import build_tiny_policy
from trust_grpo.train import Trainer

from tests.servers import RunningServer

TOY = Path(__file__).resolve().parents[2] / "services" / "trainer" / "configs" / "toy.yaml"


@pytest.mark.slow
def test_the_toy_run_learns(
    tmp_path: Path, outcome_server: RunningServer, thinking_server: RunningServer
) -> None:
    policy = build_tiny_policy(tmp_path / "policy")  # the demo's policy: default warm-up
    config = TrainConfig.from_yaml(
        TOY,
        policy=str(policy),
        output_dir=str(tmp_path / "runs"),
        services={"outcome_urls": [outcome_server.url], "thinking_urls": [thinking_server.url]},
    )
    summary = asyncio.run(Trainer(config, show_progress=False).run())
    before, after = summary["accuracy_before"], summary["accuracy_after"]
    print(f"held-out accuracy {before:.1%} -> {after:.1%}")
    assert 0.05 < before < 0.8, "the warmed-up policy should start well above 0% and well below 100%"
    assert after - before >= 0.10
    assert (config.run_dir / "rewards.png").exists()
