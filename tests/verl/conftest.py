"""Fixtures of the verl tests; they run only in .venv-verl (scripts/test_verl.sh).

In an environment without verl (the main .venv: verl pins transformers<5.11) nothing here is
collected; scripts/test_verl.sh fails instead when .venv-verl lacks verl.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

if importlib.util.find_spec("verl") is None:
    collect_ignore_glob = ["*"]

ROOT = Path(__file__).resolve().parents[2]
HOOK = "trust_grpo.verl_plugin.install"


def plugin_overrides(
    outcome_url: str, thinking_url: str, *, alpha: float = 0.3, mode: str = "paper"
) -> list[str]:
    """The Hydra overrides docs/verl.md tells a verl user to set (keep the two in step)."""
    return [
        "algorithm.adv_estimator=trust_grpo",
        f"+algorithm.trust_grpo.alpha={alpha}",
        f"+algorithm.trust_grpo.mode={mode}",
        "reward.custom_reward_function.path=pkg://trust_grpo.verl_plugin",
        "reward.custom_reward_function.name=compute_score",
        f"+reward.custom_reward_function.reward_kwargs.outcome_url={outcome_url}",
        f"+reward.custom_reward_function.reward_kwargs.thinking_url={thinking_url}",
        f"+ray_kwargs.ray_init.runtime_env.worker_process_setup_hook={HOOK}",
    ]


# What any small verl GRPO run sets besides the plugin (verl's validate_config needs them).
RUN_OVERRIDES = [
    "data.train_batch_size=4",
    "actor_rollout_ref.rollout.n=4",
    "actor_rollout_ref.rollout.name=vllm",
    "actor_rollout_ref.actor.ppo_mini_batch_size=2",
    "actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=2",
    "actor_rollout_ref.actor.use_kl_loss=True",
    "actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu=2",
    "actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu=2",
    "trainer.n_gpus_per_node=1",
    "reward.num_workers=2",
]


def verl_config(overrides: list[str]) -> Any:
    """verl's own `ppo_trainer` config (from the installed wheel) with `overrides`, as its CLI builds it."""
    import verl
    from hydra import compose, initialize_config_dir

    config_dir = Path(verl.__file__).parent / "trainer" / "config"
    with initialize_config_dir(config_dir=str(config_dir), version_base=None):
        return compose(config_name="ppo_trainer", overrides=overrides)


@pytest.fixture(scope="session")
def tokenizer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny byte-level tokenizer (the project's offline builder), saved where verl can load it."""
    from tiny_models.text import build_tokenizer

    corpus = ["<think>12*3 = 36</think><answer>36</answer>", "What is 3 times 12? \\frac{1}{2} 0.5"] * 20
    path = tmp_path_factory.mktemp("tokenizer")
    build_tokenizer(corpus, vocab_size=300).save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[None]:
    """A local Ray with the plugin's setup hook in every worker (as the overrides configure it) and a
    real TransferQueue (controller and storage actors), as verl's TaskRunner starts them."""
    import ray
    import transfer_queue as tq

    ray.init(
        num_cpus=8,  # logical: actors reserve one each, the machine may have fewer cores
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"worker_process_setup_hook": HOOK, "env_vars": {"PYTHONPATH": str(ROOT)}},
    )
    try:
        tq.init()
        yield
    finally:
        tq.close()
        ray.shutdown()


def agent_loop_sample(
    tokenizer: Any, prompt: str, response: str, *, ground_truth: str, extra_info: dict[str, Any], uid: str
) -> Any:
    """One finished rollout as verl's agent loop hands it to a reward-loop worker
    (`AgentLoopWorker._compute_score`, verl/experimental/agent_loop/agent_loop.py): a 1-row DataProto."""
    import numpy as np
    import torch
    from tensordict import TensorDict
    from verl.protocol import DataProto

    prompt_ids = torch.tensor(tokenizer.encode(prompt), dtype=torch.int64)
    response_ids = torch.tensor(tokenizer.encode(response), dtype=torch.int64)
    input_ids = torch.cat([prompt_ids, response_ids])
    batch = TensorDict(
        {
            "prompts": prompt_ids.unsqueeze(0),
            "responses": response_ids.unsqueeze(0),
            "attention_mask": torch.ones_like(input_ids).unsqueeze(0),
            "input_ids": input_ids.unsqueeze(0),
            "position_ids": torch.arange(len(input_ids)).unsqueeze(0),
        },
        batch_size=1,
    )
    kwargs = {
        "data_source": "trust_grpo_test",
        "reward_model": {"ground_truth": ground_truth, "style": "rule"},
        "extra_info": extra_info,
        "uid": uid,
    }
    non_tensor = {key: np.array([value], dtype=object) for key, value in kwargs.items()}
    non_tensor["__num_turns__"] = np.array([2])
    return DataProto(batch=batch, non_tensor_batch=non_tensor)
