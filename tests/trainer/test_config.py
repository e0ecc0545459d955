"""Training configs: TRL's names plus ours; the shipped YAML files parse, mistakes are refused."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from trust_grpo.cli import parse_train_args
from trust_grpo.config import TRUST_FIELDS, TrustGRPOConfig, settings_table
from trust_grpo.run import RunArguments

from tests.trainer.trust_cases import CPU_RUN

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "services" / "trainer" / "configs"
CPU = CPU_RUN


def test_the_toy_config_parses_with_the_toy_settings() -> None:
    run, config = parse_train_args(["--config", str(CONFIGS / "toy.yaml")])
    assert (run.policy, run.dataset) == ("models/tiny-policy", "toy")
    assert config.per_device_train_batch_size // config.num_generations == 16
    assert (config.num_generations, config.max_completion_length, config.max_steps) == (8, 40, 60)
    assert (config.learning_rate, config.beta) == (5e-4, 0.04)
    assert config.outcome_url == ["http://127.0.0.1:8101"]


def test_the_paper_config_has_the_papers_settings() -> None:
    # bf16 needs a GPU; everything else is checked as shipped
    _, config = parse_train_args(["--config", str(CONFIGS / "paper.yaml"), "--bf16", "false"])
    assert (config.num_generations, config.alpha, config.anneal_T, config.max_completion_length) == (
        8, 0.3, None, 1024,
    )  # fmt: skip
    assert (config.epsilon, config.beta, config.trust_mode) == (0.2, 0.04, "paper")
    assert (config.use_vllm, config.vllm_mode) == (True, "server")
    assert config.metrics_port == 9400


def test_flags_override_the_file_and_urls_split_at_commas(tmp_path: Path) -> None:
    _, config = parse_train_args(
        ["--config", str(CONFIGS / "toy.yaml"), "--max_steps", "3", "--outcome_url", "http://a:1/,http://b:2"]
    )
    assert config.max_steps == 3
    assert config.outcome_url == ["http://a:1", "http://b:2"]


def test_our_defaults_are_the_papers(tmp_path: Path) -> None:
    config = TrustGRPOConfig(output_dir=str(tmp_path), **CPU)
    assert (config.alpha, config.anneal_T, config.trust_mode, config.min_valid_per_group) == (
        0.3,
        None,
        "paper",
        2,
    )
    assert config.scoring == "overlap"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"alpha": -0.1}, "alpha"),
        ({"anneal_T": 0}, "anneal_T"),
        ({"trust_mode": "naive"}, "trust_mode must be one of paper, sophia_release, naive_sum"),
        ({"min_valid_per_group": 0}, "min_valid_per_group"),
        ({"scale_rewards": "batch"}, "scale_rewards"),
        ({"reward_weights": [1.0, 2.0]}, "reward_weights"),
        ({"multi_objective_aggregation": "normalize_then_sum"}, "multi_objective_aggregation"),
        ({"reward_timeout_s": 0}, "reward_timeout_s"),
    ],
)
def test_bad_values_are_refused_with_the_key_named(
    tmp_path: Path, override: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        TrustGRPOConfig(output_dir=str(tmp_path), **CPU, **override)


def test_an_unknown_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("policy: p\ngroup_sise: 8\nuse_cpu: true\nbf16: false\n")
    with pytest.raises(ValueError, match="group_sise"):
        parse_train_args(["--config", str(path)])


def test_api_keys_come_from_their_files_else_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("from-the-file-0123456789\n")
    monkeypatch.setenv("TRUST_GRPO_API_KEY", "from-the-env-0123456789")
    config = TrustGRPOConfig(output_dir=str(tmp_path), outcome_api_key_file=str(key_file), **CPU)
    assert config.client_options("outcome").api_key == "from-the-file-0123456789"
    assert config.client_options("thinking").api_key == "from-the-env-0123456789"


def test_the_settings_table_in_the_docs_is_generated_from_the_models() -> None:
    docs = (ROOT / "docs" / "trainer.md").read_text()
    table = settings_table(RunArguments, TrustGRPOConfig)
    assert table in docs, (
        "regenerate the table: trust_grpo.config.settings_table(RunArguments, TrustGRPOConfig)"
    )
    assert len(TRUST_FIELDS) >= 15
    for key in (*TRUST_FIELDS, *(item.name for item in fields(RunArguments))):
        assert f"| `{key}` |" in table
