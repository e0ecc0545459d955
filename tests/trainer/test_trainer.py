"""TrustGRPOTrainer on CPU: the advantages of a real TRL training step, overlap, failures, resume."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import torch
from trust_grpo.config import TrustGRPOConfig
from trust_grpo.data import as_dataset, training_items
from trust_grpo.trainer import TrustGRPOTrainer

from tests.servers import RunningServer, free_port, start_server
from tests.trainer import trust_cases
from tests.trainer.fake_upstream import FakeUpstream

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


class RecordingTrainer(TrustGRPOTrainer):
    """Keeps the advantages each generation batch hands to TRL's loss."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.trained_on: list[torch.Tensor] = []

    def _generate_and_score_completions(self, inputs: list[dict[str, Any]]) -> dict[str, Any]:
        output = super()._generate_and_score_completions(inputs)
        self.trained_on.append(output["advantages"].detach().clone())
        return output


@pytest.fixture
def fake_services() -> Iterator[tuple[FakeUpstream, FakeUpstream]]:
    outcome = FakeUpstream(score_item=trust_cases.answer(0)).start()
    thinking = FakeUpstream(score_item=trust_cases.answer(1)).start()
    yield outcome, thinking
    outcome.stop()
    thinking.stop()


def _trainer(
    policy: Path, tmp_path: Path, outcome: str, thinking: str, cls: type = RecordingTrainer, **overrides: Any
) -> Any:
    config = TrustGRPOConfig(**trust_cases.config_values(tmp_path / "run", outcome, thinking, **overrides))
    dataset = as_dataset(training_items("toy", 64, seed=0))
    return cls(model=str(policy), args=config, train_dataset=dataset)


@pytest.mark.parametrize("mode", ["paper", "sophia_release"])
def test_the_advantages_trained_on_are_the_specs(
    mode: str, tiny_policy: Path, tmp_path: Path, fake_services: tuple[FakeUpstream, FakeUpstream]
) -> None:
    outcome, thinking = fake_services
    trainer = _trainer(tiny_policy, tmp_path, outcome.url, thinking.url, trust_mode=mode)
    trainer.train()

    assert len(trainer.trained_on) == 1
    expected = trust_cases.reference(mode, step=0, total_steps=1)  # type: ignore[arg-type]
    assert torch.allclose(trainer.trained_on[0].double(), expected, atol=1e-6, rtol=0)
    shown = torch.tensor(list(trainer._logs["advantages"]), dtype=torch.float64)  # log_completions' table
    assert torch.allclose(shown, expected, atol=1e-6, rtol=0)
    judged = {trust_cases.position(item["id"]) for body in thinking.bodies for item in body["items"]}
    if mode == "paper":
        assert judged == {(g, m) for g in range(len(trust_cases.CASES)) for m in range(4)}
    else:
        assert judged == trust_cases.expected_judged()
    # one request per service per batch: the whole batch at once
    assert outcome.calls == 1
    assert thinking.calls == 1
    logs = trainer.state.log_history[0]
    assert logs["trust/dropped_groups"] == 1
    assert logs["trust/masked_items"] == 5  # the NaN outcomes, dropped group included
    assert logs["trust/masked_items/outcome_error"] == 5
    gammas = trust_cases.reference_gammas(mode)  # type: ignore[arg-type]
    assert trainer.last_trust_batch.gammas == pytest.approx(gammas, abs=1e-9)
    assert logs["trust/gamma_below_1_share"] == pytest.approx(sum(g < 1 for g in gammas) / len(gammas))
    if mode == "paper":  # three groups' wrong answers think better: their judge is trusted less
        assert sum(g < 1 for g in gammas) == 3


def test_requests_are_in_flight_during_the_log_prob_passes(tiny_policy: Path, tmp_path: Path) -> None:
    """The reference pass waits (up to 30 s) until both services hold their request, and the
    services answer only after that pass: so the order below holds only if the requests were sent
    before the pass and stayed in flight through it. Sent after the pass, they would never arrive
    while it waits, and the assertions would fail."""
    finished = threading.Event()
    outcome = FakeUpstream(score_item=trust_cases.answer(0), hold=finished).start()
    thinking = FakeUpstream(score_item=trust_cases.answer(1), hold=finished).start()

    class Observed(RecordingTrainer):
        def _get_per_token_logps_and_entropies(self, *args: Any, **kwargs: Any) -> Any:
            if torch.is_grad_enabled():  # the loss pass, after scoring
                return super()._get_per_token_logps_and_entropies(*args, **kwargs)
            deadline = time.monotonic() + 30
            while not (outcome.received_at and thinking.received_at) and time.monotonic() < deadline:
                time.sleep(0.01)
            try:
                return super()._get_per_token_logps_and_entropies(*args, **kwargs)
            finally:
                finished.set()

    try:
        trainer = _trainer(tiny_policy, tmp_path, outcome.url, thinking.url, cls=Observed)
        trainer.train()
    finally:
        finished.set()
        outcome.stop()
        thinking.stop()
    reference_pass = next((start, end) for what, start, end in trainer.timeline if what == "logprobs")
    for service in (outcome, thinking):
        assert service.calls == 1
        assert service.received_at[0] < reference_pass[1] < service.answered_at[0]
    requests = {what: (start, end) for what, start, end in trainer.timeline if what != "logprobs"}
    # both services at once: each request started before the other's answer came back
    assert requests["outcome"][0] < requests["thinking"][1]
    assert requests["thinking"][0] < requests["outcome"][1]
    assert requests["outcome"][0] < reference_pass[0] < requests["outcome"][1]


def test_released_client_pattern_sends_one_item_per_request(
    tiny_policy: Path, tmp_path: Path, fake_services: tuple[FakeUpstream, FakeUpstream]
) -> None:
    outcome, thinking = fake_services
    trainer = _trainer(tiny_policy, tmp_path, outcome.url, thinking.url, scoring="after_rollouts")
    trainer.train()
    assert outcome.calls == thinking.calls == trust_cases.BATCH
    assert outcome.max_in_flight == thinking.max_in_flight == 1
    expected = trust_cases.reference("paper", step=0, total_steps=1)
    assert torch.allclose(trainer.trained_on[0].double(), expected, atol=1e-6, rtol=0)


@pytest.mark.parametrize("mode", ["paper", "sophia_release"])
def test_two_processes_split_a_group_and_agree_on_it(mode: str, tiny_policy: Path, tmp_path: Path) -> None:
    """torchrun, 2 CPU processes (gloo): 14 completions each, so group 3 (items 12-15) is split."""
    outcome = FakeUpstream(score_item=trust_cases.answer(0)).start()
    thinking = FakeUpstream(score_item=trust_cases.answer(1)).start()
    try:
        out = tmp_path / "ranks"
        command = [
            sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
            "--master_port", str(free_port()), "-m", "tests.trainer.distributed_step",
            str(tiny_policy), str(tmp_path / "run"), outcome.url, thinking.url, str(out), mode,
        ]  # fmt: skip
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-4000:]
    finally:
        outcome.stop()
        thinking.stop()
    ranks = [json.loads((out / f"rank{rank}.json").read_text()) for rank in (0, 1)]
    expected = trust_cases.reference(mode, step=0, total_steps=1)  # type: ignore[arg-type]
    half = trust_cases.BATCH // 2
    for rank, record in enumerate(ranks):
        assert record["local_items"] == half
        got = torch.tensor(record["advantages"], dtype=torch.float64)
        assert torch.allclose(got, expected[rank * half : (rank + 1) * half], atol=1e-6, rtol=0)
    assert ranks[0]["gammas"] == ranks[1]["gammas"]
    assert ranks[0]["gammas"] == pytest.approx(trust_cases.reference_gammas(mode), abs=1e-9)  # type: ignore[arg-type]
    # each process asked the services about its own items only, once
    asked = sorted(trust_cases.position(item["id"]) for body in outcome.bodies for item in body["items"])
    assert asked == sorted((g, m) for g in range(len(trust_cases.CASES)) for m in range(4))
    assert outcome.calls == 2
    if mode == "sophia_release":  # the judge was asked, by each process, only what the mode asks
        judged = sorted(
            trust_cases.position(item["id"]) for body in thinking.bodies for item in body["items"]
        )
        assert judged == sorted(trust_cases.expected_judged())


def test_the_cli_runs_unchanged_under_torchrun(
    tiny_policy: Path, tmp_path: Path, outcome_server: RunningServer, thinking_server: RunningServer
) -> None:
    """`torchrun -m trust_grpo train ...`: two CPU processes; one set of artifacts, written once."""
    run_dir = tmp_path / "run"
    flags = _toy_flags(tiny_policy, run_dir, outcome_server.url, thinking_server.url, "--max_steps", "2")
    flags[flags.index("--eval_problems") + 1] = "8"
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
        "--master_port", str(free_port()), "-m", "trust_grpo", "train", "--no-progress", *flags,
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [record["step"] for record in records if "loss" in record] == [1, 2]
    assert [record["step"] for record in records if "eval_accuracy" in record] == [0, 2]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["steps"] == 2
    assert 0 <= summary["accuracy_after"] <= 1
    assert (run_dir / "final" / "config.json").exists()


def _cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trust_grpo", "train", "--no-progress", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "OMP_NUM_THREADS": "2"},
    )


def _toy_flags(policy: Path, run_dir: Path, outcome: str, thinking: str, *more: str) -> list[str]:
    return [
        "--config", str(ROOT / "services" / "trainer" / "configs" / "toy.yaml"),
        "--policy", str(policy), "--output_dir", str(run_dir),
        "--outcome_url", outcome, "--thinking_url", thinking,
        "--per_device_train_batch_size", "16", "--max_completion_length", "16",
        "--eval_problems", "0", "--save_steps", "1", "--toy_problems", "256", *more,
    ]  # fmt: skip


def test_every_replica_down_stops_with_a_checkpoint_and_resume_continues(
    tiny_policy: Path, tmp_path: Path, outcome_server: RunningServer, thinking_server: RunningServer
) -> None:
    run_dir = tmp_path / "run"
    dead = [f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"]
    stopped = _cli(
        *_toy_flags(tiny_policy, run_dir, ",".join(dead), thinking_server.url, "--max_steps", "4"),
        "--max_consecutive_failed_steps",
        "2",
        "--reward_timeout_s",
        "2",
        "--reward_max_retries",
        "1",
    )
    assert stopped.returncode == 3, stopped.stderr[-3000:]
    assert "2 steps in a row had no group" in stopped.stderr
    assert "--resume" in stopped.stderr
    assert (run_dir / "checkpoint-2" / "trainer_state.json").exists()
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["steps"] == 2
    assert "stopped" in summary

    resumed = _cli(
        *_toy_flags(tiny_policy, run_dir, outcome_server.url, thinking_server.url, "--max_steps", "4"),
        "--resume",
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    state = json.loads((run_dir / "checkpoint-4" / "trainer_state.json").read_text())
    assert state["global_step"] == 4
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    steps = [record["step"] for record in records if "loss" in record]
    assert steps == [1, 2, 3, 4]
    resumed_steps = [record for record in records if "loss" in record and record["step"] > 2]
    assert all(not math.isnan(record["trust/outcome_reward_mean"]) for record in resumed_steps)
    # TRL's global step at generation time is the record's step - 1; T = max_steps = 4
    for record in resumed_steps:
        assert record["trust/anneal"] == pytest.approx(math.exp(-(record["step"] - 1) / 4))
    assert "stopped" not in json.loads((run_dir / "summary.json").read_text())
    assert (run_dir / "rewards.png").read_bytes()[:4] == b"\x89PNG"


def test_one_verifier_replica_killed_mid_run_the_run_completes(
    tiny_policy: Path, tmp_path: Path, thinking_server: RunningServer
) -> None:
    from transformers import TrainerCallback

    doomed = start_server(tmp_path, "--scorer", "outcome")
    survivor = start_server(tmp_path, "--scorer", "outcome")

    class KillAfterFirstStep(TrainerCallback):  # type: ignore[misc]
        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if state.global_step == 1:
                doomed.process.kill()
                doomed.process.wait()

    try:
        values = trust_cases.config_values(
            tmp_path / "run", doomed.url, thinking_server.url, max_steps=4,
            per_device_train_batch_size=16, reward_timeout_s=20, reward_eject_for_s=60,
        )  # fmt: skip
        values["outcome_url"] = [doomed.url, survivor.url]
        trainer = TrustGRPOTrainer(
            model=str(tiny_policy),
            args=TrustGRPOConfig(**values),
            train_dataset=as_dataset(training_items("toy", 64, seed=0)),
            callbacks=[KillAfterFirstStep()],
        )
        trainer.train()
    finally:
        doomed.stop()
        survivor.stop()
    steps = [record for record in trainer.state.log_history if "trust/masked_items" in record]
    assert len(steps) == 4
    assert all(record["trust/masked_items"] == 0 for record in steps)
    assert all(record["trust/dropped_groups"] == 0 for record in steps)
    assert trainer.stop_reason is None


def test_metrics_endpoint_serves_the_trust_metrics(
    tiny_policy: Path, tmp_path: Path, fake_services: tuple[FakeUpstream, FakeUpstream]
) -> None:
    outcome, thinking = fake_services
    trainer = _trainer(tiny_policy, tmp_path, outcome.url, thinking.url, metrics_port=0)
    trainer.train()
    scrape = httpx.get(f"http://127.0.0.1:{trainer.metrics_port}/metrics").text
    assert "trainer_step 1.0" in scrape
    assert 'trainer_masked_items_total{reason="outcome_error"} 5.0' in scrape
    assert 'trainer_masked_items_total{reason="outcome_timeout"} 0.0' in scrape  # at 0 from the start
    assert "trainer_dropped_groups_total 1.0" in scrape
    assert "trainer_gamma_count 6.0" in scrape
    assert "trainer_step_duration_seconds_count 1.0" in scrape
    for name in (
        "trainer_reward_wait_fraction",
        "trainer_reward_wait_seconds_count",
        'trainer_thinking_reward_mean{set="correct"}',
        'trainer_thinking_reward_mean{set="wrong"}',
        "trainer_outcome_reward_mean",
        "trainer_tokens_per_second",
        'trainer_client_requests_total{endpoint="' + outcome.url,
    ):
        assert name in scrape


def test_reward_funcs_are_refused_and_a_missing_outcome_url_named(tiny_policy: Path, tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="reward_funcs"):
        TrustGRPOTrainer(model=str(tiny_policy), reward_funcs=[len])
    config = TrustGRPOConfig(**trust_cases.config_values(tmp_path, "", "http://127.0.0.1:9"))
    with pytest.raises(ValueError, match="outcome_url"):
        TrustGRPOTrainer(model=str(tiny_policy), args=config)


def test_a_plain_grpo_config_and_url_strings_are_taken(tiny_policy: Path, tmp_path: Path) -> None:
    from trl import GRPOConfig

    plain = GRPOConfig(
        output_dir=str(tmp_path), use_cpu=True, bf16=False, report_to="none",
        per_device_train_batch_size=8, num_generations=4, beta=0.04,
    )  # fmt: skip
    trainer = TrustGRPOTrainer(
        model=str(tiny_policy),
        args=plain,
        train_dataset=as_dataset(training_items("toy", 16, seed=0)),
        outcome_url="http://127.0.0.1:9/,http://127.0.0.1:10",
        thinking_url="http://127.0.0.1:11",
    )
    assert (trainer.args.per_device_train_batch_size, trainer.args.beta) == (8, 0.04)
    assert (trainer.trust_args.alpha, trainer.trust_args.trust_mode) == (0.3, "paper")
    assert trainer.trust_args.outcome_url == ["http://127.0.0.1:9", "http://127.0.0.1:10"]
    assert trainer.outcome.urls == ["http://127.0.0.1:9", "http://127.0.0.1:10"]


def test_a_scoring_failure_fails_the_batch_and_training_goes_on(
    tiny_policy: Path, tmp_path: Path, fake_services: tuple[FakeUpstream, FakeUpstream]
) -> None:
    """An exception while scoring (a bug, not a service answer) must not leave other processes
    waiting in the gather: the batch's items fail (NaN, never 0), and the step still runs."""

    class Broken(RecordingTrainer):
        async def _score_both(self, items: Any) -> Any:
            raise RuntimeError("scoring broke")

    outcome, thinking = fake_services
    trainer = _trainer(tiny_policy, tmp_path, outcome.url, thinking.url, cls=Broken)
    trainer.train()
    logs = trainer.state.log_history[0]
    assert logs["trust/masked_items/outcome_error"] == trust_cases.BATCH
    assert logs["trust/dropped_groups"] == len(trust_cases.CASES)
    assert torch.count_nonzero(trainer.trained_on[0]) == 0
