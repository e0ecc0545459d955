"""`TrustGRPOConfig`: TRL's `GRPOConfig` plus the Trust-GRPO and reward-service fields.

Every TRL field keeps its name and meaning; ours are listed in `TRUST_FIELDS` and documented in
their `help` metadata (so `trust-grpo train --help` shows them) and in docs/trainer.md.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Literal, get_args

from trl.trainer.grpo_config import GRPOConfig

from trust_grpo.client import DEFAULT_DNS_REFRESH_S, MAX_REPLICAS_PER_NAME, split_endpoints
from trust_grpo.remote import ClientOptions
from trust_grpo.rewards import Mode

API_KEY_ENV = "TRUST_GRPO_API_KEY"


@dataclass
class TrustGRPOConfig(GRPOConfig):
    """`GRPOConfig` with Trust-GRPO (SophiaVL-R1) and the two reward services."""

    outcome_url: list[str] | None = field(
        default=None,
        metadata={
            "help": "Outcome-verifier base URL(s); several are replicas of one service; "
            "dns+http://NAME:PORT: every address of NAME (reward_dns_refresh_s)."
        },
    )
    thinking_url: list[str] | None = field(
        default=None,
        metadata={
            "help": "Thinking-reward base URL(s), or dns+http://NAME:PORT as for outcome_url. "
            "None: outcome reward only (plain GRPO)."
        },
    )
    outcome_api_key_file: str | None = field(
        default=None,
        metadata={"help": f"File holding the outcome service's bearer token (default: env {API_KEY_ENV})."},
    )
    thinking_api_key_file: str | None = field(
        default=None,
        metadata={"help": f"File holding the thinking service's bearer token (default: env {API_KEY_ENV})."},
    )
    reward_timeout_s: float = field(
        default=120.0, metadata={"help": "Deadline of one batch's scoring call, retries included."}
    )
    reward_attempt_timeout_s: float | None = field(
        default=None,
        metadata={"help": "Longest single request (default: half the deadline with several replicas)."},
    )
    reward_max_retries: int = field(
        default=4, metadata={"help": "Retries of a failed request (connect errors, 5xx, 408, 429)."}
    )
    reward_eject_after: int = field(
        default=3, metadata={"help": "Consecutive failures before a replica gets no traffic for a while."}
    )
    reward_eject_for_s: float = field(
        default=5.0, metadata={"help": "How long an ejected replica gets no traffic."}
    )
    reward_dns_refresh_s: float = field(
        default=DEFAULT_DNS_REFRESH_S,
        metadata={
            "help": "How often a dns+http:// (or dns+https://) endpoint's name is resolved again, "
            "when a call needs it; each address (A and AAAA, at most "
            f"{MAX_REPLICAS_PER_NAME} per name) is one replica, e.g. the pods of a Kubernetes "
            "headless Service."
        },
    )
    alpha: float = field(default=0.3, metadata={"help": "Weight of the thinking reward."})
    anneal_T: float | None = field(  # noqa: N815 (the paper's name)
        default=None,
        metadata={"help": "Annealing time constant T of exp(-step/T) (default: the run's total steps)."},
    )
    trust_mode: Mode = field(
        default="paper",
        metadata={
            "help": "paper: judge every response; sophia_release: judge only as the released code does "
            "(R^o >= 0.2, not in all-right or all-wrong groups); naive_sum: judge every response and fix "
            "gamma at 1 (the ablation's baseline, docs/ablation.md)."
        },
    )
    min_valid_per_group: int = field(
        default=2, metadata={"help": "Groups with fewer scored outcomes are dropped (advantage 0, counted)."}
    )
    scoring: Literal["overlap", "after_rollouts"] = field(
        default="overlap",
        metadata={
            "help": "overlap: send a batch's requests as soon as it is generated, so they are in flight "
            "during TRL's reference/old log-prob passes (there are such passes when beta > 0, with "
            "vLLM importance sampling, or when steps_per_generation differs from "
            "gradient_accumulation_steps); "
            "after_rollouts: the released SophiaVL-R1 client (after everything else, one "
            "item per request, one in flight), for comparison."
        },
    )
    max_consecutive_failed_steps: int = field(
        default=3,
        metadata={"help": "Stop with a checkpoint after this many steps in a row without a usable group."},
    )
    metrics_port: int | None = field(
        default=None, metadata={"help": "Serve Prometheus /metrics on this port (0: any free port)."}
    )
    metrics_host: str = field(
        default="127.0.0.1",
        metadata={"help": "Address of /metrics; 0.0.0.0 in a container so Prometheus can reach it."},
    )

    def __post_init__(self) -> None:
        super().__post_init__()  # type: ignore[no-untyped-call]
        self.outcome_url = endpoints(self.outcome_url)
        self.thinking_url = endpoints(self.thinking_url)
        problems = []
        if self.alpha < 0:
            problems.append(f"alpha must be >= 0, got {self.alpha}")
        if self.anneal_T is not None and not self.anneal_T > 0:
            problems.append(f"anneal_T must be > 0, got {self.anneal_T}")
        if self.trust_mode not in get_args(Mode):
            problems.append(f"trust_mode must be one of {', '.join(get_args(Mode))}, got {self.trust_mode!r}")
        if self.scoring not in ("overlap", "after_rollouts"):
            problems.append(f"scoring must be overlap or after_rollouts, got {self.scoring!r}")
        if self.min_valid_per_group < 1:
            problems.append(f"min_valid_per_group must be >= 1, got {self.min_valid_per_group}")
        if self.max_consecutive_failed_steps < 1:
            problems.append("max_consecutive_failed_steps must be >= 1")
        if not self.reward_timeout_s > 0:
            problems.append(f"reward_timeout_s must be > 0, got {self.reward_timeout_s}")
        if not self.reward_dns_refresh_s > 0:
            problems.append(f"reward_dns_refresh_s must be > 0, got {self.reward_dns_refresh_s}")
        if self.metrics_port is not None and not 0 <= self.metrics_port <= 65535:
            problems.append(f"metrics_port must be 0..65535, got {self.metrics_port}")
        # Our advantages replace TRL's; a setting that asks TRL for another normalisation would be
        # silently ignored, so it is refused instead.
        if self.scale_rewards not in ("group", True):
            problems.append(f"scale_rewards must be 'group' (Trust-GRPO's std), got {self.scale_rewards!r}")
        if self.multi_objective_aggregation != "sum_then_normalize":
            problems.append("multi_objective_aggregation must be sum_then_normalize")
        if self.reward_weights is not None:
            problems.append(
                "reward_weights cannot be set: Trust-GRPO weighs the thinking reward by gamma*alpha"
            )
        if problems:
            raise ValueError("; ".join(problems))

    def client_options(self, service: Literal["outcome", "thinking"]) -> ClientOptions:
        """How to call one service; the key comes from its file, else from the environment."""
        key_file = self.outcome_api_key_file if service == "outcome" else self.thinking_api_key_file
        api_key = Path(key_file).read_text().strip() if key_file else os.environ.get(API_KEY_ENV) or None
        return ClientOptions(
            api_key=api_key,
            timeout_s=self.reward_timeout_s,
            attempt_timeout_s=self.reward_attempt_timeout_s,
            max_retries=self.reward_max_retries,
            eject_after=self.reward_eject_after,
            eject_for_s=self.reward_eject_for_s,
            seed=self.seed,
            dns_refresh_s=self.reward_dns_refresh_s,
        )


def endpoints(value: str | Sequence[str] | None) -> list[str] | None:
    """URLs from a list, one string, or either with commas between replicas; None for none."""
    joined = ",".join([value] if isinstance(value, str) else list(value or []))
    return split_endpoints(joined) if joined.strip(", ") else None


TRUST_FIELDS = tuple(
    item.name for item in fields(TrustGRPOConfig) if item.name not in {f.name for f in fields(GRPOConfig)}
)


def settings_table(*models: type) -> str:
    """The Markdown table of `models`' own settings (docs/trainer.md embeds it; a test keeps it
    in sync): key, default, help."""
    inherited = {item.name for item in fields(GRPOConfig)}
    lines = ["| key | default | what |", "|---|---|---|"]
    for model in models:
        for item in fields(model):
            if item.name in inherited and model is not GRPOConfig:
                continue
            if item.default is not MISSING:
                default = f"`{item.default}`"
            elif item.default_factory is not MISSING:
                default = f"`{item.default_factory()}`"
            else:
                default = "required"
            lines.append(f"| `{item.name}` | {default} | {item.metadata.get('help', '')} |")
    return "\n".join(lines) + "\n"
