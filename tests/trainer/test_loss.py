"""The GRPO loss against values computed by hand."""

from __future__ import annotations

import math

import pytest
import torch
from trust_grpo.loss import grpo_loss


def _one_token(logprob: float, old: float, ref: float, advantage: float, **kwargs: float) -> float:
    parts = grpo_loss(
        torch.tensor([[logprob]]),
        torch.tensor([[old]]),
        torch.tensor([[ref]]),
        torch.tensor([advantage]),
        torch.tensor([[1.0]]),
        **kwargs,
    )
    return float(parts.loss)


def test_on_policy_without_kl_is_minus_the_advantage() -> None:
    assert _one_token(-1.0, -1.0, -1.0, 0.7) == pytest.approx(-0.7)
    assert _one_token(-1.0, -1.0, -1.0, -0.4) == pytest.approx(0.4)


def test_ratio_is_clipped_at_one_plus_eps_for_positive_advantages() -> None:
    # ratio 1.5 > 1.2: the objective stops growing at 1.2 * A
    assert _one_token(math.log(1.5), 0.0, math.log(1.5), 2.0, clip_eps=0.2) == pytest.approx(-1.2 * 2.0)
    # ratio 0.5 with a negative advantage: clipped at 0.8 * A, i.e. min(0.5*-1, 0.8*-1) = -0.8
    assert _one_token(math.log(0.5), 0.0, math.log(0.5), -1.0, clip_eps=0.2) == pytest.approx(0.8)


def test_kl_is_the_low_variance_estimator() -> None:
    # k3 = exp(ref - logp) - (ref - logp) - 1 with ref - logp = 0.5
    expected = 0.04 * (math.exp(0.5) - 0.5 - 1)
    assert _one_token(-1.0, -1.0, -0.5, 0.0, kl_coef=0.04) == pytest.approx(expected)


def test_tokens_average_within_a_response_then_over_responses() -> None:
    logprobs = torch.zeros((2, 3))
    mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    advantages = torch.tensor([1.0, -3.0])
    parts = grpo_loss(logprobs, logprobs, logprobs, advantages, mask, kl_coef=0.0)
    # each response contributes -A once, whatever its length: (-1 + 3) / 2
    assert float(parts.loss) == pytest.approx(1.0)


def test_gradient_pushes_up_a_positive_advantage() -> None:
    logprob = torch.tensor([[-2.0]], requires_grad=True)
    parts = grpo_loss(logprob, logprob.detach(), logprob.detach(), torch.tensor([1.0]), torch.ones((1, 1)))
    parts.loss.backward()
    assert logprob.grad is not None
    assert float(logprob.grad) < 0  # descending the loss raises the log-probability
