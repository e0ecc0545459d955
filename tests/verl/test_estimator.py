"""The registered `trust_grpo` estimator on a real verl `DataProto`, through verl's own
`compute_advantage`, against the project's reference; and the Hydra overrides on verl's real config."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch
from trust_grpo import verl_plugin
from trust_grpo.verl_plugin import trust_grpo_advantage, trust_inputs

from tests.verl.conftest import RUN_OVERRIDES, plugin_overrides, verl_config
from tests.verl.scenario import GROUPS, Rows, reference, shuffled_rows

TOTAL_STEPS = 20
URLS = ("http://127.0.0.1:8101", "http://127.0.0.1:8102")


@pytest.fixture(scope="module")
def algorithm() -> Any:
    """`config.algorithm` as verl's V1 trainer passes it to estimators: an OmegaConf node."""
    verl_plugin.install()
    return verl_config(plugin_overrides(*URLS) + RUN_OVERRIDES).algorithm


def data_proto(rows: Rows) -> Any:
    from verl.protocol import DataProto

    return DataProto.from_dict(
        tensors={"token_level_rewards": rows.rm_scores(), "response_mask": rows.response_mask()},
        non_tensors={"uid": np.array(rows.uids, dtype=object)},
    )


def run_verl(rows: Rows, algorithm: Any, *, global_steps: int, skip: list[bool] | None = None) -> Any:
    """verl's `compute_advantage` (verl/trainer/ppo/ray_trainer.py) with the estimator's inputs."""
    from verl.trainer.ppo.ray_trainer import compute_advantage

    data = data_proto(rows)
    with trust_inputs(
        rows.outcome, rows.thinking, global_steps=global_steps, total_steps=TOTAL_STEPS, skip=skip
    ) as inputs:
        data = compute_advantage(data, adv_estimator=algorithm.adv_estimator, num_repeat=4, config=algorithm)
    return data, inputs


def with_knobs(algorithm: Any, **knobs: Any) -> Any:
    from omegaconf import OmegaConf

    copy = OmegaConf.create(OmegaConf.to_container(algorithm))
    for key, value in knobs.items():
        copy.trust_grpo[key] = value
    return copy


def test_install_registers_the_estimator_once(algorithm: Any) -> None:
    from verl.trainer.ppo.core_algos import get_adv_estimator_fn

    verl_plugin.install()  # idempotent
    verl_plugin.install()
    assert get_adv_estimator_fn("trust_grpo") is trust_grpo_advantage


@pytest.mark.parametrize("mode", ["paper", "sophia_release"])
@pytest.mark.parametrize("global_steps", [1, 7, TOTAL_STEPS])
def test_compute_advantage_matches_the_reference(algorithm: Any, mode: str, global_steps: int) -> None:
    rows = shuffled_rows(seed=global_steps)
    config = with_knobs(algorithm, mode=mode)
    data, inputs = run_verl(rows, config, global_steps=global_steps)
    expected, gammas = reference(
        rows.outcome, rows.thinking, rows.uids, step=global_steps - 1, total_steps=TOTAL_STEPS, mode=mode
    )
    mask = rows.response_mask()
    assert data.batch["advantages"].dtype == torch.float32
    torch.testing.assert_close(data.batch["advantages"], (expected.unsqueeze(-1) * mask).float())
    torch.testing.assert_close(data.batch["returns"], data.batch["advantages"])
    assert inputs.result is not None
    assert inputs.result.gammas == pytest.approx(gammas)
    assert inputs.result.dropped_groups == 1
    assert inputs.anneal == pytest.approx(math.exp(-(global_steps - 1) / TOTAL_STEPS))
    # the cases are really there: a distrusted group, masked and dropped items at 0
    assert min(gammas) < 1.0
    for row, (uid, outcome) in enumerate(zip(rows.uids, rows.outcome, strict=True)):
        if uid == "dropped" or math.isnan(outcome):
            assert not data.batch["advantages"][row].any()
    if mode == "sophia_release":  # the all-right group is not judged: equal rewards, no advantage
        assert not any(
            data.batch["advantages"][row].any() for row, u in enumerate(rows.uids) if u == "all-right"
        )


def test_the_knobs_come_from_the_config(algorithm: Any) -> None:
    rows = shuffled_rows(seed=3)
    config = with_knobs(algorithm, alpha=0.9, anneal_T=5.0, min_valid_per_group=3)
    data, _ = run_verl(rows, config, global_steps=4)
    # min_valid_per_group=3 drops nothing more here (nan-outcome keeps 3); the rest is the reference's
    expected, _ = reference(
        rows.outcome, rows.thinking, rows.uids, step=3, total_steps=TOTAL_STEPS, alpha=0.9, anneal_T=5.0
    )
    torch.testing.assert_close(
        data.batch["advantages"], (expected.unsqueeze(-1) * rows.response_mask()).float()
    )


def test_with_no_thinking_signal_it_is_verls_grpo(algorithm: Any) -> None:
    """R^t = 0 everywhere leaves R = R^o: the result must be verl's own `grpo` on the same rewards."""
    from verl.trainer.ppo.ray_trainer import compute_advantage

    groups = {
        uid: ([0.0 if math.isnan(o) else o for o in outcome], [0.0] * 4)
        for uid, (outcome, _) in GROUPS.items()
    }
    rows = shuffled_rows(seed=5, groups=groups)
    ours, _ = run_verl(rows, algorithm, global_steps=2)
    grpo = compute_advantage(data_proto(rows), adv_estimator="grpo", num_repeat=4, config=algorithm)
    # `all-right` has std 0: verl gives (0 - 0) / (0 + 1e-6) = 0, as the reference does
    torch.testing.assert_close(ours.batch["advantages"], grpo.batch["advantages"])


def test_padding_rows_are_left_out_of_every_group(algorithm: Any) -> None:
    rows = shuffled_rows(seed=9)
    # verl's synthetic padding copies a real sample's extra fields under its own uid
    padded = Rows(
        [*rows.uids, "pad", "pad"],
        [*rows.outcome, 1.0, 0.0],
        [*rows.thinking, 0.9, 0.1],
        [*rows.lengths, 1, 1],
    )
    data, inputs = run_verl(padded, algorithm, global_steps=1, skip=[False] * len(rows) + [True, True])
    expected, gammas = reference(rows.outcome, rows.thinking, rows.uids, step=0, total_steps=TOTAL_STEPS)
    torch.testing.assert_close(
        data.batch["advantages"][: len(rows)], (expected.unsqueeze(-1) * rows.response_mask()).float()
    )
    assert not data.batch["advantages"][len(rows) :].any()
    assert inputs.result is not None
    assert len(inputs.result.gammas) == len(gammas)  # no group for the padding


def test_explicit_arguments_need_no_context() -> None:
    rows = shuffled_rows(seed=1)
    advantages, returns = trust_grpo_advantage(
        rows.rm_scores(),
        rows.response_mask(),
        index=np.array(rows.uids, dtype=object),
        outcome=rows.outcome,
        thinking=rows.thinking,
        global_steps=1,
        total_steps=TOTAL_STEPS,
    )
    expected, _ = reference(rows.outcome, rows.thinking, rows.uids, step=0, total_steps=TOTAL_STEPS)
    torch.testing.assert_close(advantages, (expected.unsqueeze(-1) * rows.response_mask()).float())
    assert returns is advantages


def test_without_its_inputs_it_says_how_to_install(algorithm: Any) -> None:
    from verl.trainer.ppo.ray_trainer import compute_advantage

    with pytest.raises(RuntimeError, match="worker_process_setup_hook"):
        compute_advantage(data_proto(shuffled_rows()), adv_estimator="trust_grpo", config=algorithm)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"use_kl_in_reward": True}, "use_kl_in_reward"),
        ({"norm_adv_by_std_in_grpo": False}, "norm_adv_by_std_in_grpo"),
        ({"trust_grpo": {"alpah": 0.3}}, "unknown algorithm.trust_grpo keys"),
        ({"trust_grpo": {"mode": "release"}}, "mode must be one of"),
    ],
)
def test_settings_it_cannot_honour_are_refused(algorithm: Any, change: dict[str, Any], message: str) -> None:
    from omegaconf import OmegaConf

    config = OmegaConf.create({**OmegaConf.to_container(algorithm), **change})
    with pytest.raises(ValueError, match=message):
        run_verl(shuffled_rows(), config, global_steps=1)


def test_the_documented_overrides_pass_verls_validation() -> None:
    from verl.trainer.ppo.utils import need_critic, need_reference_policy
    from verl.utils.config import validate_config

    config = verl_config(plugin_overrides(*URLS, alpha=0.25, mode="sophia_release") + RUN_OVERRIDES)
    validate_config(
        config=config, use_reference_policy=need_reference_policy(config), use_critic=need_critic(config)
    )
    assert config.algorithm.adv_estimator == "trust_grpo"
    assert dict(config.algorithm.trust_grpo) == {"alpha": 0.25, "mode": "sophia_release"}
    assert config.reward.custom_reward_function.reward_kwargs.outcome_url == URLS[0]
    assert (
        config.ray_kwargs.ray_init.runtime_env.worker_process_setup_hook == "trust_grpo.verl_plugin.install"
    )
    assert not need_critic(config)  # no value model for a GRPO-style estimator
