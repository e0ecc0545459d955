"""Training configuration: one YAML file, validated here; every field documented.

Defaults follow the paper (G = 8, alpha = 0.3, T = total steps, responses up to 1024 tokens).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from trust_grpo.rewards import Mode


class ServicesConfig(BaseModel):
    """Where the reward services are and how to call them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    thinking_urls: list[str] = Field(
        default_factory=lambda: ["http://127.0.0.1:8102"], description="Thinking-reward replicas"
    )
    outcome_urls: list[str] = Field(
        default_factory=lambda: ["http://127.0.0.1:8101"], description="Outcome-verifier replicas"
    )
    api_key: SecretStr | None = Field(
        None, description="Bearer token of both services (or env TRUST_GRPO_API_KEY)"
    )
    timeout_s: float = Field(120.0, gt=0, description="Deadline of one scoring call, retries included")
    attempt_timeout_s: float | None = Field(
        None, gt=0, description="Longest single request (default: half of timeout_s with several replicas)"
    )
    max_retries: int = Field(4, ge=0, description="Retries of a failed request (connect, 5xx, 408, 429)")
    eject_after: int = Field(3, ge=1, description="Consecutive failures before a replica is ejected")
    eject_for_s: float = Field(5.0, gt=0, description="How long an ejected replica gets no traffic")


class TrainConfig(BaseModel):
    """A Trust-GRPO run. Load with `TrainConfig.from_yaml(path)`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(
        "run", pattern=r"^[A-Za-z0-9._-]+$", description="Run name: outputs go to <output_dir>/<name>"
    )
    output_dir: Path = Field(Path("runs"), description="Parent directory of run directories")
    policy: str = Field(description="Policy: any Hugging Face causal LM path or name")
    dataset: str = Field(
        "toy",
        description="`toy` (generated arithmetic problems) or a JSONL file with question, ground_truth, "
        "answer_type and optional images per line",
    )
    eval_dataset: str | None = Field(
        None, description="JSONL of held-out problems (default for `toy`: its held-out split)"
    )
    eval_problems: int = Field(200, ge=0, description="Held-out problems scored before and after training")
    seed: int = Field(0, description="Seed of data order, sampling and initialisation")

    # --- GRPO
    total_steps: int = Field(500, ge=1, description="Optimizer steps of the run")
    prompts_per_step: int = Field(16, ge=1, description="Groups (distinct prompts) per step")
    group_size: int = Field(8, ge=2, description="G: responses sampled per prompt")
    max_new_tokens: int = Field(1024, ge=1, description="Longest response, in tokens")
    temperature: float = Field(1.0, gt=0, description="Sampling temperature of rollouts")
    top_p: float = Field(1.0, gt=0, le=1, description="Nucleus sampling of rollouts")
    learning_rate: float = Field(1e-6, gt=0, description="AdamW learning rate")
    weight_decay: float = Field(0.0, ge=0, description="AdamW weight decay")
    max_grad_norm: float = Field(1.0, gt=0, description="Gradient clipping norm")
    grad_accum_steps: int = Field(
        1, ge=1, description="Micro-batches per optimizer step (gradient accumulation)"
    )
    updates_per_batch: int = Field(
        1, ge=1, description="Optimizer steps on each batch of rollouts (PPO epochs)"
    )
    clip_eps: float = Field(0.2, gt=0, description="PPO clipping of the probability ratio")
    kl_coef: float = Field(0.04, ge=0, description="Weight of the KL penalty to the frozen reference")

    # --- Trust-GRPO
    mode: Mode = Field(
        "paper", description="paper: judge every response; sophia_release: as the released code"
    )
    alpha: float = Field(0.3, ge=0, description="Weight of the thinking reward")
    anneal_T: float | None = Field(  # noqa: N815 (the paper's name, as in trust_rewards)
        None, gt=0, description="Annealing time constant T (default: total_steps)"
    )
    min_valid_per_group: int = Field(
        2, ge=1, description="Groups with fewer scored outcomes are dropped (and counted)"
    )
    use_thinking_reward: bool = Field(True, description="False: plain GRPO on the outcome reward alone")

    # --- pipeline
    pipeline: Literal["async", "sync"] = Field(
        "async",
        description="async: score each group while the next are generated; sync: score after all rollouts, "
        "one item per request (the released SophiaVL-R1 client)",
    )
    rollout_chunk_groups: int = Field(1, ge=1, description="Groups generated in one `generate` call")
    max_consecutive_failed_steps: int = Field(
        3, ge=1, description="Stop (with a checkpoint) after this many steps in a row without a usable group"
    )

    # --- outputs
    checkpoint_every: int = Field(
        50, ge=0, description="Save a checkpoint every N steps (0: only at the end)"
    )
    keep_checkpoints: int = Field(2, ge=1, description="Checkpoints kept on disk (older ones are deleted)")
    plot_every: int = Field(10, ge=1, description="Redraw rewards.png every N steps")
    metrics_port: int | None = Field(
        None, ge=0, le=65535, description="Serve Prometheus /metrics here (0: any port)"
    )
    metrics_host: str = Field(
        "127.0.0.1", description="Address of /metrics; 0.0.0.0 in a container so Prometheus can reach it"
    )
    services: ServicesConfig = Field(default_factory=ServicesConfig, description="The reward services")

    @field_validator("policy")
    @classmethod
    def _policy_given(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("policy must name a model path or hub id")
        return value

    @property
    def run_dir(self) -> Path:
        return self.output_dir / self.name

    @classmethod
    def from_yaml(cls, path: Path, **overrides: object) -> TrainConfig:
        """Read a YAML config; `overrides` replace top-level keys (e.g. from the command line)."""
        raw = yaml.safe_load(path.read_text()) or {}
        if not isinstance(raw, dict):
            raise ValueError(f"{path}: the config must be a mapping of keys to values")
        raw.update({key: value for key, value in overrides.items() if value is not None})
        return cls.model_validate(raw)
