"""Trust-GRPO math against groups computed by hand (docs/architecture.md, Trust-GRPO)."""

from __future__ import annotations

import math

import pytest
import torch
from trust_grpo import group_advantages, judged_mask, trust_rewards

NAN = float("nan")


def t(*values: float) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def rewards_of(outcome: torch.Tensor, thinking: torch.Tensor, **kw: object) -> tuple[list[float], float]:
    rewards, gamma = trust_rewards(
        outcome, thinking, step=kw.pop("step", 0), total_steps=kw.pop("total", 10), **kw
    )  # type: ignore[arg-type]
    return rewards.tolist(), gamma


def test_correct_answers_think_better_so_gamma_is_one() -> None:
    rewards, gamma = rewards_of(t(1, 1, 0, 0), t(0.9, 0.7, 0.2, 0.4))
    assert gamma == 1.0  # mu_c 0.8 >= mu_w 0.3
    assert rewards == pytest.approx([1.27, 1.21, 0.06, 0.12])


def test_wrong_answers_think_better_so_trust_drops() -> None:
    rewards, gamma = rewards_of(t(1, 0, 0), t(0.2, 0.8, 0.6))
    assert gamma == pytest.approx(math.exp(0.2 - 0.7))
    g = math.exp(-0.5)
    assert rewards == pytest.approx([1 + g * 0.3 * 0.2, g * 0.3 * 0.8, g * 0.3 * 0.6])


@pytest.mark.parametrize("outcome", [t(1, 1, 1), t(0, 0, 0)])
def test_all_correct_or_all_wrong_keeps_gamma_one(outcome: torch.Tensor) -> None:
    rewards, gamma = rewards_of(outcome, t(0.1, 0.5, 0.9))
    assert gamma == 1.0
    assert rewards == pytest.approx(
        [o + 0.3 * th for o, th in zip(outcome.tolist(), [0.1, 0.5, 0.9], strict=True)]
    )


def test_continuous_outcomes_split_at_one_half() -> None:
    rewards, gamma = rewards_of(t(0.9, 0.6, 0.4, 0.1), t(0.2, 0.4, 0.9, 0.7))
    g = math.exp(0.3 - 0.8)  # correct: 0.9, 0.6 (mu 0.3); wrong: 0.4, 0.1 (mu 0.8)
    assert gamma == pytest.approx(g)
    assert rewards == pytest.approx([0.9 + g * 0.06, 0.6 + g * 0.12, 0.4 + g * 0.27, 0.1 + g * 0.21])


def test_a_nan_thinking_score_is_left_out_and_adds_nothing() -> None:
    rewards, gamma = rewards_of(t(1, 1, 0), t(NAN, 0.4, 0.8))
    assert gamma == pytest.approx(math.exp(0.4 - 0.8))  # mu_c over the one scored correct answer
    assert rewards[0] == 1.0
    assert rewards[1:] == pytest.approx([1 + gamma * 0.3 * 0.4, gamma * 0.3 * 0.8])


def test_a_nan_outcome_masks_the_item() -> None:
    rewards, gamma = trust_rewards(t(1, NAN, 0), t(0.5, 0.9, 0.1), step=0, total_steps=10)
    assert gamma == 1.0  # mu_c 0.5 >= mu_w 0.1; the masked item's 0.9 does not count
    assert math.isnan(rewards[1])
    advantages = group_advantages(rewards)
    # Two valid rewards, 1.15 and 0.03: deviations +-0.56, std (N-1) 0.56*sqrt(2).
    assert advantages.tolist() == pytest.approx(
        [0.56 / (0.56 * math.sqrt(2) + 1e-6), 0.0, -0.56 / (0.56 * math.sqrt(2) + 1e-6)]
    )


def test_group_advantages_by_hand() -> None:
    rewards = t(1.27, 1.21, 0.06, 0.12)
    mean = (1.27 + 1.21 + 0.06 + 0.12) / 4
    std = math.sqrt(sum((r - mean) ** 2 for r in rewards.tolist()) / 3)
    expected = [(r - mean) / (std + 1e-6) for r in rewards.tolist()]
    assert group_advantages(rewards).tolist() == pytest.approx(expected)


def test_fewer_than_two_valid_rewards_give_zero_advantages() -> None:
    assert group_advantages(t(0.7, NAN, NAN)).tolist() == [0.0, 0.0, 0.0]


def test_release_mode_asks_the_judge_only_above_point_two() -> None:
    outcome, thinking = t(1, 0.1, 0.0, 1), t(0.5, 0.9, 0.8, 0.7)
    assert judged_mask(outcome, "sophia_release").tolist() == [True, False, False, True]
    rewards, gamma = rewards_of(outcome, thinking, mode="sophia_release")
    assert gamma == 1.0  # unjudged wrong answers count 0: mu_w 0 <= mu_c 0.6
    assert rewards == pytest.approx([1.15, 0.1, 0.0, 1.21])
    paper_rewards, paper_gamma = rewards_of(outcome, thinking, mode="paper")
    assert paper_gamma == pytest.approx(math.exp(0.6 - 0.85))
    assert paper_rewards != pytest.approx(rewards)


@pytest.mark.parametrize("outcome", [t(1, 0.95, 1), t(0, 0.1, 0)])
def test_release_mode_skips_degenerate_groups(outcome: torch.Tensor) -> None:
    assert not judged_mask(outcome, "sophia_release").any()
    rewards, gamma = rewards_of(outcome, t(0.9, 0.9, 0.9), mode="sophia_release")
    assert (rewards, gamma) == (outcome.tolist(), 1.0)


def test_release_mode_without_a_correct_answer_keeps_the_multiplier_at_one() -> None:
    rewards, gamma = rewards_of(t(0.3, 0.2, 0.4), t(0.9, 0.5, 0.1), mode="sophia_release")
    assert gamma == 1.0
    assert rewards == pytest.approx([0.3 + 0.27, 0.2 + 0.15, 0.4 + 0.03])


@pytest.mark.parametrize(
    ("step", "total", "anneal_t", "factor"),
    [(1, 10, None, math.exp(-0.1)), (10, 10, None, math.exp(-1.0)), (10, 10, 5.0, math.exp(-2.0))],
)
def test_annealing(step: int, total: int, anneal_t: float | None, factor: float) -> None:
    rewards, _ = rewards_of(t(1, 0), t(0.5, 0.2), step=step, total=total, anneal_T=anneal_t)
    assert rewards == pytest.approx([1 + 0.3 * factor * 0.5, 0.3 * factor * 0.2])


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="equal length"):
        trust_rewards(t(1, 0), t(0.5), step=0, total_steps=1)
    with pytest.raises(ValueError, match="mode"):
        trust_rewards(t(1), t(0.5), step=0, total_steps=1, mode="vibes")  # type: ignore[arg-type]


def test_the_naive_sum_trusts_the_judge_even_when_wrong_answers_think_better() -> None:
    outcome, thinking = t(1, 0, 0), t(0.2, 0.8, 0.6)
    rewards, gamma = rewards_of(outcome, thinking, mode="naive_sum")
    assert gamma == 1.0
    assert rewards == pytest.approx([1 + 0.3 * 0.2, 0.3 * 0.8, 0.3 * 0.6])
    assert rewards_of(outcome, thinking, mode="paper")[1] < 1.0  # the same group, trusted less
    assert judged_mask(t(1, 1, 1), "naive_sum").all()  # every response is judged, as in `paper`
