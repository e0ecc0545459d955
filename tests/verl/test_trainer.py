"""verl's real V1 `PPOTrainer._compute_advantage`, patched by `install`, on a real TransferQueue
(Ray-hosted controller and storage), as far as it runs without a GPU: the trainer object is built
without `__init__` (which starts GPU workers); the step, the fields and the calls are verl's own."""

from __future__ import annotations

import math
import uuid
from typing import Any

import pytest
import torch
from trust_grpo import verl_plugin

from tests.verl.conftest import RUN_OVERRIDES, plugin_overrides, verl_config
from tests.verl.scenario import Rows, reference, shuffled_rows

TOTAL_STEPS = 12
URLS = ("http://127.0.0.1:8101", "http://127.0.0.1:8102")

pytestmark = pytest.mark.usefixtures("ray_cluster")


def put_rollouts(
    rows: Rows, reward_extra_info: list[dict[str, Any]] | None = None, sessions: list[str] | None = None
) -> Any:
    """Write `rows` to TransferQueue as `AgentLoopWorkerTQ._agent_loop_postprocess` does (keys
    `{uid}_{session}_{index}`, nested per-sample tensors, `extra_fields["reward_extra_info"]` from
    `compute_score`), and return the trainer's `KVBatchMeta` for them in the rows' (shuffled) order.
    `sessions` gives the keys' `{uid}_{session}_{index}` (default: one session per row)."""
    import transfer_queue as tq
    from transfer_queue import KVBatchMeta
    from verl.utils.tensordict_utils import list_of_dict_to_tensordict

    run = uuid.uuid4().hex[:8]
    keys, fields, tags = [], [], []
    for row, (uid, outcome, thinking, length) in enumerate(
        zip(rows.uids, rows.outcome, rows.thinking, rows.lengths, strict=True)
    ):
        info = (
            reward_extra_info[row]
            if reward_extra_info is not None
            else {"score": 0.0 if math.isnan(outcome) else outcome, "outcome": outcome, "thinking": thinking}
        )
        rm_scores = torch.zeros(length, dtype=torch.float32)
        rm_scores[-1] = info.get("score", 0.0)
        prompts = torch.full((3,), 5, dtype=torch.int64)
        responses = torch.full((length,), 7, dtype=torch.int64)
        keys.append(f"{run}{sessions[row]}" if sessions else f"{run}{uid.replace('-', '')}_{row}_0")
        fields.append(
            {
                "uid": f"{uid}-{run}",
                "prompts": prompts,
                "responses": responses,
                "input_ids": torch.cat([prompts, responses]),
                "attention_mask": torch.ones(3 + length, dtype=torch.int64),
                "response_mask": torch.ones(length, dtype=torch.int64),
                "rm_scores": rm_scores,
                "extra_fields": {"reward_extra_info": info, "min_global_steps": 1, "max_global_steps": 1},
                "global_steps": 1,
            }
        )
        tags.append({"status": "success", "prompt_len": 3, "response_len": length, "seq_len": 3 + length})
    tq.kv_batch_put(keys=keys, partition_id="train", fields=list_of_dict_to_tensordict(fields), tags=tags)
    return KVBatchMeta(keys=keys, tags=tags, partition_id="train")


def trainer(config: Any, global_steps: int) -> Any:
    """The V1 trainer of `trainer.v1.trainer_mode` (sync) with only what `_compute_advantage` reads
    (its __init__ starts GPU workers)."""
    verl_plugin.install()
    from verl.trainer.ppo.v1 import get_trainer_cls

    cls = get_trainer_cls(config.trainer.v1.trainer_mode)
    instance = cls.__new__(cls)
    instance.config = config
    instance.global_steps = global_steps
    instance.total_training_steps = TOTAL_STEPS
    return instance


def advantages_of(batch: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """The per-token advantages and returns the trainer wrote back, padded, in the batch's order."""
    import transfer_queue as tq

    data = tq.kv_batch_get(
        keys=batch.keys, partition_id=batch.partition_id, select_fields=["advantages", "returns"]
    )
    return data["advantages"].to_padded_tensor(0.0), data["returns"].to_padded_tensor(0.0)


def clear(batch: Any) -> None:
    import transfer_queue as tq

    tq.kv_clear(keys=batch.keys, partition_id=batch.partition_id)


def advantage_step(
    config: Any, batch: Any, global_steps: int
) -> tuple[torch.Tensor, torch.Tensor, dict[str, Any]]:
    """The patched trainer's `_compute_advantage` on `batch`: advantages, returns and its metrics;
    the batch is cleared from TransferQueue afterwards."""
    metrics: dict[str, Any] = {}
    try:
        batch = trainer(config, global_steps=global_steps)._compute_advantage(batch, metrics)
        advantages, returns = advantages_of(batch)
    finally:
        clear(batch)
    return advantages, returns, metrics


@pytest.mark.parametrize("mode", ["paper", "sophia_release"])
def test_patched_step_matches_the_reference(mode: str) -> None:
    from verl.trainer.ppo.padding_utils import upsample_batch_to_divisible_size

    config = verl_config(plugin_overrides(*URLS, alpha=0.4, mode=mode) + RUN_OVERRIDES)
    rows = shuffled_rows(seed=11)
    batch = put_rollouts(rows)
    # verl's own padding to a multiple of the data-parallel size: copies of the first sample's fields
    # (its reward_extra_info included) under a fresh uid, tagged is_padding
    batch = upsample_batch_to_divisible_size(batch, 32, eos_token_id=2)
    assert len(batch) == 32 > len(rows)
    advantages, returns, metrics = advantage_step(config, batch, global_steps=5)
    expected, gammas = reference(
        rows.outcome, rows.thinking, rows.uids, step=4, total_steps=TOTAL_STEPS, alpha=0.4, mode=mode
    )
    real = len(rows)
    width = max(rows.lengths)
    torch.testing.assert_close(
        advantages[:real, :width], (expected.unsqueeze(-1) * rows.response_mask()).float()
    )
    torch.testing.assert_close(returns, advantages)
    assert not advantages[real:].any()  # padding rows learn nothing
    assert metrics["trust_grpo/gamma/mean"] == pytest.approx(sum(gammas) / len(gammas))
    assert metrics["trust_grpo/gamma/min"] == pytest.approx(min(gammas))
    assert min(gammas) < 1.0
    assert metrics["trust_grpo/groups_kept_total"] == len(gammas) == 6
    assert metrics["trust_grpo/groups_dropped_total"] == 1
    assert metrics["trust_grpo/items_masked_total"] == sum(math.isnan(o) for o in rows.outcome) == 4
    assert metrics["trust_grpo/anneal"] == pytest.approx(math.exp(-4 / TOTAL_STEPS))


def test_other_estimators_run_unchanged() -> None:
    verl_plugin.install()
    from verl.trainer.ppo.v1.trainer_base import PPOTrainer

    config = verl_config(plugin_overrides(*URLS) + RUN_OVERRIDES + ["algorithm.adv_estimator=grpo"])
    rows = shuffled_rows(seed=2)

    def run(method: Any) -> tuple[torch.Tensor, dict[str, Any]]:
        batch = put_rollouts(rows)
        metrics: dict[str, Any] = {}
        try:
            return advantages_of(method(trainer(config, 1), batch, metrics))[0], metrics
        finally:
            clear(batch)

    assert getattr(PPOTrainer._compute_advantage, "__trust_grpo__", False)
    patched, metrics = run(PPOTrainer._compute_advantage)
    original, _ = run(PPOTrainer._compute_advantage.__wrapped__)
    torch.testing.assert_close(patched, original)
    assert patched.abs().sum() > 0
    assert not any(key.startswith("trust_grpo/") for key in metrics)


def test_a_run_without_the_reward_function_fails_loudly() -> None:
    config = verl_config(plugin_overrides(*URLS) + RUN_OVERRIDES)
    rows = shuffled_rows(seed=4)
    batch = put_rollouts(rows, reward_extra_info=[{"score": 1.0, "acc": 1.0}] * len(rows))
    try:
        with pytest.raises(
            RuntimeError, match=r"reward\.custom_reward_function\.path=pkg://trust_grpo\.verl_plugin"
        ):
            trainer(config, 1)._compute_advantage(batch, {})
    finally:
        clear(batch)


def test_a_session_with_several_outputs_counts_once() -> None:
    """A multi-turn agent loop may return several outputs for one sample (keys `{uid}_{session}_0`,
    `_1`, ...; verl copies the last one's reward_extra_info to the others): the session is one member
    of its group and each of its outputs gets its advantage, as verl's GRPO does."""
    config = verl_config(plugin_overrides(*URLS) + RUN_OVERRIDES)
    rows = shuffled_rows(seed=6)
    keys = [f"{uid.replace('-', '')}_{row}_1" for row, uid in enumerate(rows.uids)]
    first = rows.uids.index("distrust")  # give this session an earlier output too
    extended = Rows(
        [*rows.uids, rows.uids[first]],
        [*rows.outcome, rows.outcome[first]],
        [*rows.thinking, rows.thinking[first]],
        [*rows.lengths, 4],
    )
    batch = put_rollouts(extended, sessions=[*keys, keys[first].removesuffix("_1") + "_0"])
    advantages, _, metrics = advantage_step(config, batch, global_steps=2)
    expected, gammas = reference(rows.outcome, rows.thinking, rows.uids, step=1, total_steps=TOTAL_STEPS)
    expected = torch.cat([expected, expected[first : first + 1]])
    width = advantages.shape[1]
    mask = torch.nn.functional.pad(extended.response_mask(), (0, width - max(extended.lengths)))
    torch.testing.assert_close(advantages, (expected.unsqueeze(-1) * mask).float())
    assert advantages[-1].abs().sum() > 0
    assert metrics["trust_grpo/groups_kept_total"] == len(gammas)
    assert metrics["trust_grpo/gamma/mean"] == pytest.approx(sum(gammas) / len(gammas))


def test_scores_written_as_top_level_fields_are_read_too() -> None:
    """With a colocated reward model verl writes the reward extra keys as top-level TransferQueue
    fields (`PPOTrainer._compute_reward_colocate`) instead of extra_fields."""
    import numpy as np
    import transfer_queue as tq
    from verl.utils import tensordict_utils as tu

    config = verl_config(plugin_overrides(*URLS) + RUN_OVERRIDES)
    rows = shuffled_rows(seed=8)
    batch = put_rollouts(rows, reward_extra_info=[{"score": 0.0}] * len(rows))
    write_back = {"outcome": np.array(rows.outcome), "thinking": np.array(rows.thinking)}
    tq.kv_batch_put(keys=batch.keys, partition_id=batch.partition_id, fields=tu.get_tensordict(write_back))
    try:
        batch = trainer(config, global_steps=1)._compute_advantage(batch, {})
        advantages, _ = advantages_of(batch)
    finally:
        clear(batch)
    expected, _ = reference(rows.outcome, rows.thinking, rows.uids, step=0, total_steps=TOTAL_STEPS)
    width = advantages.shape[1]
    mask = torch.nn.functional.pad(rows.response_mask(), (0, width - max(rows.lengths)))
    torch.testing.assert_close(advantages, (expected.unsqueeze(-1) * mask).float())
