"""Trust-GRPO reward combination and group advantages (docs/architecture.md, Trust-GRPO), pure
tensor functions.

For one GRPO group of G responses: outcome rewards R^o (correct when R^o >= 0.5), thinking
rewards R^t from the judge. Trust in the thinking reward is

    gamma = 1                       if mu_c >= mu_w, or the correct or wrong set is empty
    gamma = exp(mu_c - mu_w)        otherwise

with mu_c, mu_w the mean thinking reward of the correct and wrong responses, and the reward is

    R_i = R^o_i + gamma * alpha * exp(-step / T) * R^t_i.

Mode `naive_sum` fixes gamma at 1 (the ablation's "naive sum" arm: the thinking reward trusted
always, as plain reward shaping would).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

import torch

Mode = Literal["paper", "sophia_release", "naive_sum"]
# Modes that ask the judge about every response.
JUDGE_EVERY_RESPONSE: frozenset[Mode] = frozenset({"paper", "naive_sum"})

CORRECT_THRESHOLD = 0.5
# The released SophiaVL-R1 code asks the judge only about responses with some outcome credit, and
# skips groups that are (almost) all right or all wrong.
RELEASE_JUDGE_THRESHOLD = 0.2
RELEASE_ALL_RIGHT = 0.9
RELEASE_ALL_WRONG = 0.1


def _mean(values: torch.Tensor) -> float | None:
    return float(values.mean()) if values.numel() else None


def trust_gamma(outcome: torch.Tensor, thinking: torch.Tensor) -> float:
    """The trust multiplier of one group; NaN thinking scores are left out of both means, NaN
    outcomes leave the item out entirely."""
    valid = ~torch.isnan(outcome) & ~torch.isnan(thinking)
    correct = valid & (outcome >= CORRECT_THRESHOLD)
    wrong = valid & (outcome < CORRECT_THRESHOLD)
    mu_correct, mu_wrong = _mean(thinking[correct]), _mean(thinking[wrong])
    if mu_correct is None or mu_wrong is None or mu_correct >= mu_wrong:
        return 1.0
    return math.exp(mu_correct - mu_wrong)


def judged_mask(outcome: torch.Tensor, mode: Mode = "paper") -> torch.Tensor:
    """Which responses of a group need a thinking score: all in `paper` and `naive_sum` mode; in
    `sophia_release` mode only those with R^o >= 0.2, and none in a group that is all right or all
    wrong."""
    valid = ~torch.isnan(outcome)
    if mode in JUDGE_EVERY_RESPONSE:
        return valid
    scored = outcome[valid]
    if scored.numel() and (
        bool((scored >= RELEASE_ALL_RIGHT).all()) or bool((scored <= RELEASE_ALL_WRONG).all())
    ):
        return torch.zeros_like(valid)
    return valid & (outcome >= RELEASE_JUDGE_THRESHOLD)


def trust_rewards(
    outcome: torch.Tensor,
    thinking: torch.Tensor,
    *,
    step: int,
    total_steps: int,
    alpha: float = 0.3,
    anneal_T: float | None = None,  # noqa: N803 (public name fixed by the trainer issue)
    mode: Mode = "paper",
) -> tuple[torch.Tensor, float]:
    """Rewards R (1-D, length G) and the group's gamma.

    A NaN outcome gives a NaN reward (the item is masked by `group_advantages`); a NaN thinking
    score contributes 0 and is left out of the means. In `sophia_release` mode, responses the
    judge is not asked about (see `judged_mask`) count a thinking reward of 0, and a group the
    judge skips entirely gets R = R^o.
    """
    if outcome.shape != thinking.shape or outcome.dim() != 1:
        raise ValueError(
            f"outcome and thinking must be 1-D of equal length, got {outcome.shape} and {thinking.shape}"
        )
    if total_steps <= 0 or step < 0:
        raise ValueError("need total_steps > 0 and step >= 0")
    if mode not in ("paper", "sophia_release", "naive_sum"):
        raise ValueError(f"unknown mode {mode!r}")
    outcome = outcome.to(torch.float64)
    thinking = thinking.to(torch.float64)
    if mode == "sophia_release":
        asked = judged_mask(outcome, mode)
        if not bool(asked.any()):
            return outcome.clone(), 1.0
        thinking = torch.where(asked, thinking, torch.zeros_like(thinking))
    gamma = 1.0 if mode == "naive_sum" else trust_gamma(outcome, thinking)
    anneal = math.exp(-step / (anneal_T if anneal_T is not None else total_steps))
    rewards = outcome + gamma * alpha * anneal * torch.nan_to_num(thinking, nan=0.0)
    return rewards, gamma


def group_advantages(rewards: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """A_i = (R_i - mean R) / (std R + eps) within the group, std with N-1. NaN rewards (masked
    items) get advantage 0 and are left out of the mean and std; with fewer than two valid items
    every advantage is 0 (no spread to learn from)."""
    valid = ~torch.isnan(rewards)
    advantages = torch.zeros_like(rewards, dtype=torch.float64)
    if int(valid.sum()) < 2:
        return advantages
    kept = rewards[valid].to(torch.float64)
    advantages[valid] = (kept - kept.mean()) / (kept.std(unbiased=True) + eps)
    return advantages


@dataclass(frozen=True)
class TrustBatch:
    """Trust-GRPO over a batch of groups: per-item advantages and rewards, and what the logs show.

    `rewards` is NaN for masked items and for every item of a dropped group; `gammas` has one
    entry per kept group; the thinking means are over kept groups' judged items (NaN when none).
    """

    advantages: torch.Tensor
    rewards: torch.Tensor
    gammas: list[float]
    dropped_groups: int
    masked_items: int
    thinking_correct_mean: float
    thinking_wrong_mean: float
    outcome_mean: float


def _nanmean(values: torch.Tensor) -> float:
    values = values[~torch.isnan(values)]
    return float(values.mean()) if values.numel() else math.nan


def _group_rows(groups: Sequence[Hashable]) -> list[torch.Tensor]:
    """The item indices of each group, groups in the order they first appear."""
    members: dict[Hashable, list[int]] = {}
    for index, group in enumerate(groups):
        members.setdefault(group, []).append(index)
    return [torch.tensor(indices, dtype=torch.long) for indices in members.values()]


def trust_advantages(
    outcome: torch.Tensor,
    thinking: torch.Tensor,
    groups: Sequence[Hashable],
    *,
    step: int,
    total_steps: int,
    alpha: float = 0.3,
    anneal_T: float | None = None,  # noqa: N803 (the paper's name)
    mode: Mode = "paper",
    min_valid_per_group: int = 2,
    eps: float = 1e-6,
) -> TrustBatch:
    """`group_advantages(trust_rewards(...))` for every group of a batch, in any order.

    `groups[i]` names item i's group (TRL: consecutive runs of G; verl: the `uid`). A group with
    fewer than `min_valid_per_group` scored outcomes is dropped: advantage 0 for all its items.
    """
    if not (len(outcome) == len(thinking) == len(groups)) or outcome.dim() != 1:
        raise ValueError("outcome, thinking and groups must be 1-D of equal length")
    outcome = outcome.to(torch.float64)
    thinking = thinking.to(torch.float64)
    advantages = torch.zeros_like(outcome)
    rewards = torch.full_like(outcome, math.nan)
    judged = torch.full_like(outcome, math.nan)
    gammas: list[float] = []
    dropped = 0
    for where in _group_rows(groups):
        group_outcome, group_thinking = outcome[where], thinking[where]
        if int((~torch.isnan(group_outcome)).sum()) < min_valid_per_group:
            dropped += 1
            continue
        group_rewards, gamma = trust_rewards(
            group_outcome,
            group_thinking,
            step=step,
            total_steps=total_steps,
            alpha=alpha,
            anneal_T=anneal_T,
            mode=mode,
        )
        gammas.append(gamma)
        rewards[where] = group_rewards
        advantages[where] = group_advantages(group_rewards, eps)
        asked = judged_mask(group_outcome, mode)
        judged[where] = torch.where(asked, group_thinking, torch.full_like(group_thinking, math.nan))
    return _summarize(outcome, judged, advantages, rewards, gammas, dropped)


def _summarize(
    outcome: torch.Tensor,
    judged: torch.Tensor,
    advantages: torch.Tensor,
    rewards: torch.Tensor,
    gammas: list[float],
    dropped: int,
) -> TrustBatch:
    """The batch's `TrustBatch`, its means over the kept groups (those with rewards); `judged` is
    the thinking score of each item the judge was asked about, NaN elsewhere."""
    kept = ~torch.isnan(rewards)
    correct = kept & (outcome >= CORRECT_THRESHOLD)
    return TrustBatch(
        advantages=advantages,
        rewards=rewards,
        gammas=gammas,
        dropped_groups=dropped,
        masked_items=int(torch.isnan(outcome).sum()),
        thinking_correct_mean=_nanmean(judged[correct]),
        thinking_wrong_mean=_nanmean(judged[kept & ~correct]),
        outcome_mean=_nanmean(outcome[kept]),
    )
