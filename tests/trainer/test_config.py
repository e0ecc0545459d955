"""Training configs: the shipped YAML files validate, mistakes are refused with the key named."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from trust_grpo.config import TrainConfig

CONFIGS = Path(__file__).resolve().parents[2] / "services" / "trainer" / "configs"


@pytest.mark.parametrize("path", sorted(CONFIGS.glob("*.yaml")), ids=lambda path: path.name)
def test_shipped_configs_validate(path: Path) -> None:
    config = TrainConfig.from_yaml(path)
    assert config.group_size >= 2


def test_paper_config_has_the_papers_defaults() -> None:
    config = TrainConfig.from_yaml(CONFIGS / "paper.yaml")
    assert (config.group_size, config.alpha, config.anneal_T, config.max_new_tokens) == (8, 0.3, None, 1024)
    assert (config.clip_eps, config.kl_coef, config.mode) == (0.2, 0.04, "paper")


def test_defaults_are_the_papers() -> None:
    config = TrainConfig(policy="some/model")
    assert (config.group_size, config.alpha, config.max_new_tokens, config.kl_coef) == (8, 0.3, 1024, 0.04)


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("policy: p\ngroup_sise: 8\n")
    with pytest.raises(ValidationError, match="group_sise"):
        TrainConfig.from_yaml(path)


def test_overrides_replace_keys_and_none_keeps_them(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("policy: p\nname: a\ntotal_steps: 5\n")
    config = TrainConfig.from_yaml(path, name="b", total_steps=None)
    assert (config.name, config.total_steps, config.run_dir) == ("b", 5, Path("runs") / "b")


def test_a_config_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("- policy\n")
    with pytest.raises(ValueError, match="mapping"):
        TrainConfig.from_yaml(path)


def test_every_setting_is_documented() -> None:
    from trust_grpo.config import ServicesConfig

    docs = (Path(__file__).resolve().parents[2] / "docs" / "trainer.md").read_text()
    keys = [f"`{name}`" for name in TrainConfig.model_fields if name != "services"]
    keys += [f"`services.{name}`" for name in ServicesConfig.model_fields]
    assert [key for key in keys if key not in docs] == []
