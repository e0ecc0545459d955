"""One batch of GRPO groups with every case the estimator must get right, and the reference answer
computed group by group with the project's pure functions (`trust_rewards`, `group_advantages`)."""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import torch
from trust_grpo.rewards import Mode, group_advantages, trust_rewards

NAN = math.nan

# group -> (outcome, thinking) of its 4 responses
GROUPS: dict[str, tuple[list[float], list[float]]] = {
    # wrong answers think better than right ones: gamma < 1
    "distrust": ([1.0, 0.0, 1.0, 0.0], [0.2, 0.9, 0.3, 0.8]),
    # right answers think better: gamma = 1
    "trust": ([1.0, 0.0, 0.0, 1.0], [0.9, 0.1, 0.3, 0.7]),
    # one outcome failed: that item is masked (advantage 0), the rest still learn
    "nan-outcome": ([1.0, NAN, 0.0, 1.0], [0.5, 0.5, 0.1, 0.7]),
    # one thinking score failed: left out of the means, counts 0 in its reward
    "nan-thinking": ([1.0, 0.0, 0.0, 1.0], [NAN, 0.4, 0.6, 0.9]),
    # three outcomes failed: fewer than 2 valid, the group is dropped (all 0)
    "dropped": ([NAN, NAN, 1.0, NAN], [0.5, 0.5, 0.5, 0.5]),
    # all right: `sophia_release` asks the judge about none of them (R = R^o), `paper` does
    "all-right": ([1.0, 1.0, 1.0, 1.0], [0.1, 0.9, 0.5, 0.3]),
    # partial credit (free-form answers): `sophia_release` judges only R^o >= 0.2 (and distrusts here)
    "partial": ([0.3, 0.4, 1.0, 0.0], [0.9, 0.9, 0.2, 0.8]),
}


@dataclass(frozen=True)
class Rows:
    """The groups flattened into batch rows, in a shuffled order (as verl's balancing leaves them)."""

    uids: list[str]
    outcome: list[float]
    thinking: list[float]
    lengths: list[int]  # response length of each row

    def __len__(self) -> int:
        return len(self.uids)

    def response_mask(self) -> torch.Tensor:
        mask = torch.zeros(len(self), max(self.lengths), dtype=torch.int64)
        for row, length in enumerate(self.lengths):
            mask[row, :length] = 1
        return mask

    def rm_scores(self) -> torch.Tensor:
        """verl's reward tensor: `score` (R^o, 0 on failure) on each response's last token."""
        scores = torch.zeros(len(self), max(self.lengths), dtype=torch.float32)
        for row, (length, outcome) in enumerate(zip(self.lengths, self.outcome, strict=True)):
            scores[row, length - 1] = 0.0 if math.isnan(outcome) else outcome
        return scores


def shuffled_rows(seed: int = 0, groups: dict[str, tuple[list[float], list[float]]] = GROUPS) -> Rows:
    flat = [
        (uid, outcome, thinking)
        for uid, (outcomes, thoughts) in groups.items()
        for outcome, thinking in zip(outcomes, thoughts, strict=True)
    ]
    rng = random.Random(seed)
    rng.shuffle(flat)
    lengths = [rng.randint(1, 9) for _ in flat]
    return Rows([u for u, _, _ in flat], [o for _, o, _ in flat], [t for _, _, t in flat], lengths)


def reference(
    outcome: Sequence[float],
    thinking: Sequence[float],
    uids: Sequence[Hashable],
    *,
    step: int,
    total_steps: int,
    alpha: float = 0.3,
    anneal_T: float | None = None,  # noqa: N803
    mode: Mode = "paper",
) -> tuple[torch.Tensor, list[float]]:
    """Per-item advantages (float64) and the gamma of each kept group, one group at a time."""
    advantages = torch.zeros(len(uids), dtype=torch.float64)
    gammas = []
    for uid in dict.fromkeys(uids):
        where = torch.tensor([i for i, u in enumerate(uids) if u == uid])
        group_outcome = torch.tensor(outcome, dtype=torch.float64)[where]
        if int((~torch.isnan(group_outcome)).sum()) < 2:
            continue
        rewards, gamma = trust_rewards(
            group_outcome,
            torch.tensor(thinking, dtype=torch.float64)[where],
            step=step,
            total_steps=total_steps,
            alpha=alpha,
            anneal_T=anneal_T,
            mode=mode,
        )
        advantages[where] = group_advantages(rewards)
        gammas.append(gamma)
    return advantages, gammas
