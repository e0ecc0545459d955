"""`attn_implementation` of a run: resolved once, handed to TRL as `model_init_kwargs`, refused when
it cannot run or is set twice."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from trust_grpo.cli import parse_train_args
from trust_grpo.config import TrustGRPOConfig
from trust_grpo.run import RunArguments, RunRefused, build_trainer, policy_init_kwargs

from tests.trainer import trust_cases

UNUSED_URL = "http://127.0.0.1:9"  # nothing is scored: no training step runs


def config(tmp_path: Path, **overrides: Any) -> TrustGRPOConfig:
    return TrustGRPOConfig(**trust_cases.config_values(tmp_path / "run", UNUSED_URL, UNUSED_URL, **overrides))


def test_auto_resolves_to_sdpa_here_and_keeps_the_other_kwargs(tmp_path: Path) -> None:
    given = config(tmp_path, model_init_kwargs={"dtype": "float32", "revision": "main"})
    kwargs = policy_init_kwargs(RunArguments(policy="unused"), given)
    assert kwargs == {"dtype": "float32", "revision": "main", "attn_implementation": "sdpa"}
    assert given.model_init_kwargs == {"dtype": "float32", "revision": "main"}


def test_an_explicit_flash_attention_that_cannot_run_is_refused(tmp_path: Path) -> None:
    sys.modules.pop("flash_attn", None)
    run = RunArguments(policy="unused", attn_implementation="flash_attention_2")
    with pytest.raises(RunRefused, match=r"^attn_implementation is flash_attention_2, but .*no CUDA device"):
        policy_init_kwargs(run, config(tmp_path, model_init_kwargs={"dtype": "bfloat16"}))


def test_model_init_kwargs_attn_implementation_is_kept_with_auto_and_refused_with_another(
    tmp_path: Path,
) -> None:
    given = config(tmp_path, model_init_kwargs={"attn_implementation": "flex_attention"})
    kept = policy_init_kwargs(RunArguments(policy="unused"), given)
    assert kept == {"attn_implementation": "flex_attention"}
    with pytest.raises(RunRefused, match="both set: set attn_implementation only"):
        policy_init_kwargs(RunArguments(policy="unused", attn_implementation="eager"), given)


def test_it_is_a_train_flag(tmp_path: Path) -> None:
    run, _ = parse_train_args(
        ["--policy", "p", "--output_dir", str(tmp_path), "--use_cpu", "--attn_implementation", "eager"]
    )
    assert run.attn_implementation == "eager"
    with pytest.raises(SystemExit):
        parse_train_args(["--policy", "p", "--output_dir", str(tmp_path), "--attn_implementation", "flash"])


@pytest.mark.slow
@pytest.mark.parametrize(("setting", "loaded"), [("auto", "sdpa"), ("eager", "eager")])
def test_the_trainers_policy_and_reference_load_with_it(
    setting: str, loaded: str, tiny_policy: Path, tmp_path: Path
) -> None:
    run = RunArguments(policy=str(tiny_policy), toy_problems=16, attn_implementation=setting)  # type: ignore[arg-type]
    given = config(tmp_path)
    trainer = build_trainer(run, given)
    try:
        policy: Any = trainer.model
        reference: Any = trainer.ref_model  # beta > 0: TRL loads it from the same kwargs
        assert policy.config._attn_implementation == loaded
        assert reference.config._attn_implementation == loaded
        assert given.model_init_kwargs is None
    finally:
        trainer.close()


@pytest.mark.usefixtures("gpu")
@pytest.mark.parametrize(
    ("precision", "load_dtype", "chosen"),
    [
        ({"bf16": True}, "float32", "flash_attention_2"),  # float32 weights, bfloat16 autocast: the paper's
        ({"fp16": True}, "float32", "flash_attention_2"),
        ({}, "bfloat16", "flash_attention_2"),
        ({}, "float32", "sdpa"),  # no autocast: attention would see float32
    ],
)
def test_auto_follows_the_dtype_attention_computes_in(
    precision: dict[str, bool],
    load_dtype: str,
    chosen: str,
    fake_flash_attn: Callable[[str], None],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_flash_attn("")
    given = config(tmp_path, model_init_kwargs={"dtype": load_dtype})
    # the GPU is a stand-in (no CUDA here): TrainingArguments refuses bf16/fp16 without a device for
    # them, so the precision is set on the parsed config, as a GPU host's would read
    for key, value in precision.items():
        monkeypatch.setattr(given, key, value)
    monkeypatch.setattr(given, "use_cpu", False)
    assert policy_init_kwargs(RunArguments(policy="unused"), given)["attn_implementation"] == chosen


@pytest.mark.slow
def test_the_held_out_evaluation_runs_in_the_trainings_precision(
    tiny_policy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before training the policy's forward is not yet wrapped in autocast: the evaluation is."""
    import torch
    from trust_grpo import run as run_module

    seen: list[tuple[bool, torch.dtype]] = []

    def record(*args: Any, **kwargs: Any) -> None:
        seen.append((torch.is_autocast_enabled("cpu"), torch.get_autocast_dtype("cpu")))

    trainer = build_trainer(
        RunArguments(policy=str(tiny_policy), toy_problems=16), config(tmp_path, bf16=True)
    )
    try:
        monkeypatch.setattr(run_module, "evaluate", record)
        run_module._evaluate_held_out(trainer, trainer.trust_args, [])
    finally:
        trainer.close()
    assert seen == [(True, torch.bfloat16)]
