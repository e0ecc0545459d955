"""Hand-built groups for TrustGRPOTrainer tests: scores the fake services give, by group and member.

The trainer names each item `b<batch>-g<group>-r<member>` over the gathered batch, so a fake
service can answer by position; the reference advantages come from the spec (`rewards.py`).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import torch
from trust_grpo.rewards import Mode, group_advantages, judged_mask, trust_rewards

NAN = math.nan
GROUP_SIZE = 4
# (outcome, thinking) per member; NaN is a failed item.
CASES: list[tuple[list[float], list[float]]] = [
    ([1, 0, 1, 0], [0.2, 0.9, 0.4, 0.7]),  # mixed, wrong answers think better: gamma < 1
    ([1, 1, 1, 1], [0.9, 0.1, 0.5, 0.3]),  # all correct
    ([0, 0, 0, 0], [0.8, 0.2, 0.6, 0.4]),  # all wrong
    ([0.93, 0.41, 0.77, 0.05], [0.3, 0.8, 0.6, 0.2]),  # continuous (OCR-like)
    ([1, 0, 0, 1], [NAN, 0.6, NAN, 0.9]),  # NaN thinking
    ([NAN, 1, 0, NAN], [0.5, 0.5, 0.9, 0.1]),  # NaN outcomes
    ([NAN, NAN, NAN, 0.3], [0.5, 0.5, 0.5, 0.5]),  # one valid outcome: the group is dropped
]
BATCH = GROUP_SIZE * len(CASES)
# A short TRL run on this machine's CPU: no GPU precision, no reporting, no checkpoints, no tqdm.
CPU_RUN: dict[str, Any] = {
    "use_cpu": True,
    "bf16": False,
    "report_to": "none",
    "logging_steps": 1,
    "save_strategy": "no",
    "disable_tqdm": True,
}
_ID = re.compile(r"^b(\d+)-g(\d+)-r(\d+)$")


def position(item_id: str) -> tuple[int, int]:
    """(group, member) of a trainer item id."""
    match = _ID.match(item_id)
    assert match, f"unexpected item id {item_id!r}"
    return int(match.group(2)), int(match.group(3))


def answer(column: int) -> Any:
    """A fake service's `score_item`: CASES[group][column][member], `error` where NaN."""

    def score(item: dict[str, Any]) -> dict[str, Any]:
        group, member = position(item["id"])
        value = CASES[group % len(CASES)][column][member]
        if math.isnan(value):
            return {"id": item["id"], "status": "error", "error": "scripted failure"}
        return {"id": item["id"], "status": "ok", "score": value, "details": {}}

    return score


def reference(mode: Mode, *, step: int = 0, total_steps: int = 1) -> torch.Tensor:
    """The advantages the spec gives the whole batch, in trainer order."""
    return _reference(mode, step, total_steps)[0]


def reference_gammas(mode: Mode, *, step: int = 0, total_steps: int = 1) -> list[float]:
    """The spec's gamma of every kept group, in order."""
    return _reference(mode, step, total_steps)[1]


def _reference(mode: Mode, step: int, total_steps: int) -> tuple[torch.Tensor, list[float]]:
    parts, gammas = [], []
    for outcome_values, thinking_values in CASES:
        outcome = torch.tensor(outcome_values, dtype=torch.float64)
        thinking = torch.tensor(thinking_values, dtype=torch.float64)
        if int((~torch.isnan(outcome)).sum()) < 2:
            parts.append(torch.zeros(GROUP_SIZE, dtype=torch.float64))
            continue
        if mode == "sophia_release":  # what the judge is not asked about stays NaN
            thinking = torch.where(judged_mask(outcome, mode), thinking, torch.full_like(thinking, NAN))
        rewards, gamma = trust_rewards(outcome, thinking, step=step, total_steps=total_steps, mode=mode)
        parts.append(group_advantages(rewards))
        gammas.append(gamma)
    return torch.cat(parts), gammas


def expected_judged() -> set[tuple[int, int]]:
    """(group, member) pairs `sophia_release` asks the judge about (the mask is decided before
    groups are dropped, as in the released code)."""
    asked = set()
    for group, (outcome_values, _) in enumerate(CASES):
        outcome = torch.tensor(outcome_values, dtype=torch.float64)
        for member, ask in enumerate(judged_mask(outcome, "sophia_release").tolist()):
            if ask:
                asked.add((group, member))
    return asked


def config_values(output_dir: Path, outcome_url: str, thinking_url: str, **overrides: Any) -> dict[str, Any]:
    """A one-step TrustGRPOConfig on CPU whose batch is exactly the CASES groups."""
    values: dict[str, Any] = {
        "output_dir": str(output_dir),
        "max_steps": 1,
        "per_device_train_batch_size": BATCH,
        "num_generations": GROUP_SIZE,
        "max_completion_length": 8,
        "learning_rate": 1e-4,
        "beta": 0.04,
        **CPU_RUN,
        "seed": 0,
        "outcome_url": [outcome_url],
        "thinking_url": [thinking_url],
    }
    values.update(overrides)
    return values
