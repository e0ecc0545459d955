"""The plugin across Ray processes, as a verl run spreads it: the setup hook in fresh workers, verl's
reward-loop actors calling `compute_score` on the real services, TransferQueue in between, and the
patched advantage step in another actor (standing in for verl's TaskRunner)."""

from __future__ import annotations

import math
import random
import sys
import uuid
from typing import Any

import pytest
import torch
from reward_proto import ScoreItem

from tests.servers import RunningServer
from tests.verl.conftest import RUN_OVERRIDES, agent_loop_sample, plugin_overrides, verl_config
from tests.verl.scenario import reference

pytestmark = pytest.mark.usefixtures("ray_cluster")

TOTAL_STEPS = 10
GLOBAL_STEPS = 3
QUESTION = "A box holds 12 apples. How many apples are in 3 boxes?"


class HookProbe:
    """A fresh Ray worker process: what the setup hook did before and after verl is imported."""

    def report(self) -> dict[str, Any]:
        from trust_grpo.verl_plugin import _AfterImport

        before = {
            "finder": any(isinstance(finder, _AfterImport) for finder in sys.meta_path),
            "core_algos_imported": "verl.trainer.ppo.core_algos" in sys.modules,
            "trainer_imported": "verl.trainer.ppo.v1.trainer_base" in sys.modules,
        }
        from verl.trainer.ppo.core_algos import ADV_ESTIMATOR_REGISTRY
        from verl.trainer.ppo.v1.trainer_base import PPOTrainer

        return {
            **before,
            "registered": "trust_grpo" in ADV_ESTIMATOR_REGISTRY,
            "patched": getattr(PPOTrainer._compute_advantage, "__trust_grpo__", False),
        }


class TaskRunnerStandIn:
    """Runs the V1 trainer's advantage step in its own Ray worker, as verl's TaskRunnerV1 does."""

    def compute_advantage(self, config: Any, keys: list[str], tags: list[dict[str, Any]]) -> dict[str, Any]:
        import transfer_queue as tq
        from transfer_queue import KVBatchMeta
        from verl.trainer.ppo.v1 import get_trainer_cls

        tq.init()  # attaches to the controller the test started
        cls = get_trainer_cls(config.trainer.v1.trainer_mode)
        trainer = cls.__new__(cls)  # __init__ starts GPU workers
        trainer.config = config
        trainer.global_steps = GLOBAL_STEPS
        trainer.total_training_steps = TOTAL_STEPS
        metrics: dict[str, Any] = {}
        trainer._compute_advantage(KVBatchMeta(keys=keys, tags=tags, partition_id="train"), metrics)
        return metrics


def test_the_setup_hook_patches_verl_when_it_is_imported() -> None:
    import ray

    probe = ray.remote(HookProbe).remote()
    report = ray.get(probe.report.remote(), timeout=300)
    ray.kill(probe)
    # the hook installed the finder without importing the trainer; importing it registered and patched
    assert report == {
        "finder": True,
        "core_algos_imported": False,
        "trainer_imported": False,
        "registered": True,
        "patched": True,
    }


def test_rewards_from_verl_workers_reach_the_patched_step(
    outcome_server: RunningServer, rules_server: RunningServer, tokenizer_dir: Any
) -> None:
    from transformers import AutoTokenizer

    config = verl_config(
        plugin_overrides(outcome_server.url, rules_server.url, mode="paper")
        + RUN_OVERRIDES
        + [f"actor_rollout_ref.model.path={tokenizer_dir}"]
    )
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    # three prompts x 4 responses; a failed outcome (empty ground truth) in the second group
    right, wrong = (
        "<think>12*3 = 36</think><answer>36</answer>",
        "<think>12*3 = 38</think><answer>38</answer>",
    )
    groups = {
        "a": [(right, "36"), (wrong, "36"), (wrong, "36"), ("<answer>36</answer>", "36")],
        "b": [(right, ""), (wrong, "36"), (right, "36"), ("<think>guess</think><answer>7</answer>", "36")],
        "c": [(right, "36"), (right, "36"), (wrong, "36"), (right, "36")],
    }
    samples = [(uid, response, truth) for uid, group in groups.items() for response, truth in group]
    random.Random(0).shuffle(samples)

    results = _scores_from_reward_workers(config, tokenizer, samples)
    infos = [result["reward_extra_info"] for result in results]
    outcome = [info["outcome"] for info in infos]
    thinking = [info["thinking"] for info in infos]
    # the scores are the services' own
    items = [
        ScoreItem(id=str(i), response=response, ground_truth=truth or None, question=QUESTION).model_dump(
            mode="json", exclude_none=True
        )
        for i, (_, response, truth) in enumerate(samples)
    ]
    served = outcome_server.score(items)["results"]
    assert [r["score"] if r["status"] == "ok" else None for r in served] == [
        None if math.isnan(o) else o for o in outcome
    ]
    assert sum(math.isnan(o) for o in outcome) == 1
    assert [r["score"] for r in rules_server.score(items)["results"]] == thinking

    metrics, advantages, lengths = _advantages_from_the_patched_step(config, tokenizer, samples, results)
    uids = [uid for uid, _, _ in samples]
    expected, gammas = reference(outcome, thinking, uids, step=GLOBAL_STEPS - 1, total_steps=TOTAL_STEPS)
    mask = torch.zeros_like(advantages)
    for row, length in enumerate(lengths):
        mask[row, :length] = 1.0
    torch.testing.assert_close(advantages, (expected.unsqueeze(-1) * mask).float())
    assert metrics["trust_grpo/groups_kept_total"] == 3
    assert metrics["trust_grpo/items_masked_total"] == 1
    assert metrics["trust_grpo/gamma/mean"] == pytest.approx(sum(gammas) / len(gammas))


Sample = tuple[str, str, str]  # (uid, response, ground truth)


def _scores_from_reward_workers(config: Any, tokenizer: Any, samples: list[Sample]) -> list[dict[str, Any]]:
    """As AgentLoopWorker._compute_score: each finished sample to a random reward worker."""
    import ray
    from verl.experimental.reward_loop.reward_loop import RewardLoopManager

    manager = RewardLoopManager(config)  # reward.num_workers=2 Ray actors, each loading compute_score
    handles = manager.reward_loop_worker_handles
    assert handles is not None  # the streaming path: no reward model, so agent loops call the workers
    try:
        rng = random.Random(1)
        futures = [
            rng.choice(handles).compute_score.remote(
                agent_loop_sample(
                    tokenizer,
                    QUESTION,
                    response,
                    ground_truth=truth,
                    extra_info={"question": QUESTION},
                    uid=uid,
                )
            )
            for uid, response, truth in samples
        ]
        results: list[dict[str, Any]] = ray.get(futures, timeout=300)
        return results
    finally:
        for handle in manager.reward_loop_workers:
            ray.kill(handle)


def _advantages_from_the_patched_step(
    config: Any, tokenizer: Any, samples: list[Sample], results: list[dict[str, Any]]
) -> tuple[dict[str, Any], torch.Tensor, list[int]]:
    """The samples as TransferQueue records (as AgentLoopWorkerTQ._agent_loop_postprocess writes
    them), the patched advantage step run on them in another actor: its metrics, the advantages it
    wrote, and each response's length."""
    import ray
    import transfer_queue as tq
    from verl.utils.tensordict_utils import list_of_dict_to_tensordict

    run = uuid.uuid4().hex[:8]
    keys, fields, tags = [], [], []
    lengths = []
    for session, ((uid, response, _), result) in enumerate(zip(samples, results, strict=True)):
        response_ids = torch.tensor(tokenizer.encode(response), dtype=torch.int64)
        rm_scores = torch.zeros(len(response_ids), dtype=torch.float32)
        rm_scores[-1] = result["reward_score"]
        lengths.append(len(response_ids))
        keys.append(f"{uid}{run}_{session}_0")
        fields.append(
            {
                "uid": f"{uid}{run}",
                "responses": response_ids,
                "response_mask": torch.ones_like(response_ids),
                "rm_scores": rm_scores,
                "extra_fields": {"reward_extra_info": result["reward_extra_info"]},
            }
        )
        tags.append({"status": "success", "response_len": len(response_ids)})
    tq.kv_batch_put(keys=keys, partition_id="train", fields=list_of_dict_to_tensordict(fields), tags=tags)

    runner = ray.remote(TaskRunnerStandIn).remote()
    try:
        metrics = ray.get(runner.compute_advantage.remote(config, keys, tags), timeout=300)
        written = tq.kv_batch_get(keys=keys, partition_id="train", select_fields=["advantages"])
        advantages = written["advantages"].to_padded_tensor(0.0)
    finally:
        ray.kill(runner)
        tq.kv_clear(keys=keys, partition_id="train")
    return metrics, advantages, lengths
