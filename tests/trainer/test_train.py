"""The Trust-GRPO loop against the real services on 127.0.0.1: artifacts, metrics, failures, resume."""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path
from typing import Any

import httpx
import pytest
from trust_grpo.client import RewardClient
from trust_grpo.config import TrainConfig
from trust_grpo.data import TaskItem
from trust_grpo.train import NOT_ASKED, Trainer, TrainingStopped, score_group

from tests.servers import RunningServer, free_port, start_server

pytestmark = pytest.mark.slow


def _config(
    tmp_path: Path, policy: Path, outcome: list[str], thinking: list[str], **overrides: Any
) -> TrainConfig:
    values: dict[str, Any] = {
        "name": "t",
        "output_dir": tmp_path,
        "policy": str(policy),
        "total_steps": 2,
        "prompts_per_step": 2,
        "group_size": 4,
        "max_new_tokens": 24,
        "learning_rate": 1e-3,
        "eval_problems": 8,
        "rollout_chunk_groups": 1,
        "checkpoint_every": 1,
        "services": {"outcome_urls": outcome, "thinking_urls": thinking, "timeout_s": 10, "eject_for_s": 30},
        **overrides,
    }
    return TrainConfig.model_validate(values)


def _records(run_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


def test_a_short_run_writes_metrics_plot_checkpoint_and_serves_metrics(
    tmp_path: Path, tiny_policy: Path, outcome_server: RunningServer, thinking_server: RunningServer
) -> None:
    config = _config(tmp_path, tiny_policy, [outcome_server.url], [thinking_server.url], metrics_port=0)
    trainer = Trainer(config, show_progress=False)
    summary = asyncio.run(trainer.run())

    assert summary["steps"] == 2
    assert 0.0 <= summary["accuracy_before"] <= 1.0
    assert 0.0 <= summary["accuracy_after"] <= 1.0
    steps = [record for record in _records(config.run_dir) if "step_seconds" in record]
    assert [record["step"] for record in steps] == [1, 2]
    for record in steps:
        assert record["groups_kept"] + record["groups_dropped"] == 2
        assert 0.0 <= record["reward_wait_fraction"] < 1.0
        assert record["tokens_per_second"] > 0
        assert not record["skipped_update"]
        assert math.isfinite(record["loss"])
    assert (config.run_dir / "rewards.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert trainer.latest_checkpoint() == config.run_dir / "checkpoints" / "step-000002"

    assert trainer.metrics_port is not None
    scrape = httpx.get(f"http://127.0.0.1:{trainer.metrics_port}/metrics").text
    assert "trainer_step 2.0" in scrape
    for name in (
        "trainer_reward_wait_fraction",
        "trainer_reward_wait_seconds_count",
        "trainer_gamma_count",
        "trainer_outcome_reward_mean",
        "trainer_tokens_per_second",
        'trainer_client_requests_total{endpoint="' + outcome_server.url,
    ):
        assert name in scrape


async def test_sophia_release_asks_the_judge_only_about_items_with_outcome_credit(
    outcome_server: RunningServer, thinking_server: RunningServer
) -> None:
    task = TaskItem("Ann has 2 pens and gets 3 more. How many pens does Ann have now?", "5")
    right, wrong = (
        "<think>2 + 3 = 5.</think><answer>5</answer>",
        "<think>2 + 3 = 6.</think><answer>6</answer>",
    )
    async with RewardClient(outcome_server.url) as outcome, RewardClient(thinking_server.url) as thinking:
        outcomes, thoughts = await score_group(
            [right, wrong, right, wrong], task, "g", outcome, thinking, mode="sophia_release"
        )
        assert [result.score for result in outcomes] == [1.0, 0.0, 1.0, 0.0]
        assert [result.status for result in thoughts] == ["ok", NOT_ASKED, "ok", NOT_ASKED]
        assert thoughts[0].score > 0

        # a group that is all right: no judge call at all
        _, thoughts = await score_group([right] * 4, task, "h", outcome, thinking, mode="sophia_release")
        assert {result.status for result in thoughts} == {NOT_ASKED}
        # paper mode: every response is judged, the wrong step scores lower
        _, thoughts = await score_group([right, wrong], task, "p", outcome, thinking, mode="paper")
        assert thoughts[0].score > thoughts[1].score


def test_one_verifier_replica_killed_mid_run_steps_complete_through_the_other(
    tmp_path: Path, tiny_policy: Path, thinking_server: RunningServer
) -> None:
    first = start_server(tmp_path, "--scorer", "outcome", "--verifier-workers", "1")
    second = start_server(tmp_path, "--scorer", "outcome", "--verifier-workers", "1")
    try:
        config = _config(
            tmp_path,
            tiny_policy,
            [first.url, second.url],
            [thinking_server.url],
            total_steps=4,
            eval_problems=0,
            grad_accum_steps=2,  # also covers accumulation and several updates per batch
            updates_per_batch=2,
        )
        trainer = Trainer(config, show_progress=False)

        async def run_with_a_kill() -> list[dict[str, Any]]:
            outcome, thinking = trainer._clients()
            records = [await trainer.train_step(outcome, thinking)]
            first.stop()
            for _ in range(3):
                records.append(await trainer.train_step(outcome, thinking))
            await outcome.aclose()
            assert thinking is not None
            await thinking.aclose()
            return records

        records = asyncio.run(asyncio.wait_for(run_with_a_kill(), timeout=300))
    finally:
        first.stop()
        second.stop()
    for record in records:
        assert (record["groups_kept"], record["masked_items"]) == (2, 0), record
        assert math.isfinite(record["loss"])
    scrape = trainer.metrics.registry.get_sample_value(
        "trainer_client_retries_total", {"endpoint": first.url, "reason": "connect"}
    )
    ejections = trainer.metrics.registry.get_sample_value(
        "trainer_client_ejections_total", {"endpoint": first.url}
    )
    assert (scrape or 0) + (ejections or 0) >= 1


def test_every_replica_down_stops_with_a_checkpoint_and_resume_continues(
    tmp_path: Path, tiny_policy: Path, outcome_server: RunningServer, thinking_server: RunningServer
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    down = _config(
        tmp_path,
        tiny_policy,
        [nobody],
        [nobody],
        total_steps=6,
        eval_problems=0,
        checkpoint_every=0,
        max_consecutive_failed_steps=2,
        services={"outcome_urls": [nobody], "thinking_urls": [nobody], "timeout_s": 2, "max_retries": 2},
    )
    with pytest.raises(TrainingStopped, match=r"2 steps in a row.*--resume"):
        asyncio.run(asyncio.wait_for(Trainer(down, show_progress=False).run(), timeout=120))
    stopped = Trainer(down, show_progress=False).latest_checkpoint()
    assert stopped == down.run_dir / "checkpoints" / "step-000002"
    failed = [record for record in _records(down.run_dir) if "step_seconds" in record]
    assert [record["skipped_update"] for record in failed] == [True, True]
    assert all(record["masked_items"] == 8 for record in failed)

    back = down.model_copy(
        update={
            "total_steps": 3,
            "services": down.services.model_copy(
                update={"outcome_urls": [outcome_server.url], "thinking_urls": [thinking_server.url]}
            ),
        }
    )
    resumed = Trainer(back, resume=True, show_progress=False)
    assert (resumed.step, resumed.problems_used) == (2, 4)
    summary = asyncio.run(resumed.run())
    assert (summary["start_step"], summary["steps"]) == (2, 3)
    steps = [record["step"] for record in _records(back.run_dir) if "step_seconds" in record]
    assert steps == [1, 2, 3]


def test_resume_without_a_checkpoint_is_a_clear_error(tmp_path: Path, tiny_policy: Path) -> None:
    config = _config(tmp_path, tiny_policy, ["http://127.0.0.1:1"], ["http://127.0.0.1:1"])
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        Trainer(config, resume=True)


def test_failed_outcomes_are_masked_and_thin_groups_dropped(tmp_path: Path, tiny_policy: Path) -> None:
    from trust_grpo.client import ItemScore
    from trust_grpo.train import Group

    config = _config(
        tmp_path, tiny_policy, ["http://127.0.0.1:1"], ["http://127.0.0.1:1"], min_valid_per_group=2
    )
    trainer = Trainer(config, show_progress=False)

    def group(outcomes: list[float], thinking: list[float]) -> Group:
        made = Group(TaskItem("q", "1"), [[1]] * len(outcomes), [[2]] * len(outcomes), ["t"] * len(outcomes))
        made.outcome = [
            ItemScore(f"o{i}", s, "ok")
            if not math.isnan(s)
            else ItemScore(f"o{i}", s, "error", "engine failed")
            for i, s in enumerate(outcomes)
        ]
        made.thinking = [ItemScore(f"t{i}", s, "ok") for i, s in enumerate(thinking)]
        return made

    nan = math.nan
    kept_group = group([1.0, 0.0, nan, 1.0], [0.2, 0.9, 0.5, 0.4])  # wrong answers think better
    thin_group = group([1.0, nan, nan, nan], [0.5, 0.5, 0.5, 0.5])  # one valid outcome: dropped
    record: dict[str, Any] = {}
    kept = trainer._advantages([kept_group, thin_group], record)

    assert [group for group, _ in kept] == [kept_group]
    advantages = kept[0][1]
    assert float(advantages[2]) == 0.0  # the failed item is masked
    gamma = math.exp(0.3 - 0.9)
    rewards = [1 + gamma * 0.3 * 0.2, 0 + gamma * 0.3 * 0.9, 1 + gamma * 0.3 * 0.4]  # step 0: no annealing
    mean = sum(rewards) / 3
    std = math.sqrt(sum((r - mean) ** 2 for r in rewards) / 2)
    expected = [(r - mean) / (std + 1e-6) for r in rewards]
    assert [float(advantages[i]) for i in (0, 1, 3)] == pytest.approx(expected)
    assert (record["groups_kept"], record["groups_dropped"], record["masked_items"]) == (1, 1, 4)
    assert record["gamma_mean"] == pytest.approx(gamma)
    registry = trainer.metrics.registry
    assert registry.get_sample_value("trainer_dropped_groups_total") == 1
    assert registry.get_sample_value("trainer_masked_items_total", {"reason": "outcome_error"}) == 4
    assert registry.get_sample_value("trainer_masked_items_total", {"reason": "group_dropped"}) == 1
