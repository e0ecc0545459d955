"""The GRPO objective: clipped policy gradient with a KL penalty to a frozen reference."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class LossParts:
    """The loss to minimise and what it is made of (for logging)."""

    loss: torch.Tensor
    policy: float
    kl: float
    clipped_fraction: float


def grpo_loss(
    logprobs: torch.Tensor,
    old_logprobs: torch.Tensor,
    ref_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    *,
    clip_eps: float = 0.2,
    kl_coef: float = 0.04,
) -> LossParts:
    """Per-token clipped surrogate with the low-variance KL estimator
    k3 = exp(ref - logp) - (ref - logp) - 1, averaged over each response's tokens, then over
    responses (as in DeepSeekMath's GRPO). Shapes: [batch, tokens]; `advantages` is [batch]."""
    ratio = torch.exp(logprobs - old_logprobs)
    advantage = advantages[:, None].to(logprobs.dtype)
    unclipped = ratio * advantage
    clipped = torch.clamp(ratio, 1 - clip_eps, 1 + clip_eps) * advantage
    policy_term = -torch.minimum(unclipped, clipped)
    log_ratio_ref = ref_logprobs - logprobs
    kl = torch.exp(log_ratio_ref) - log_ratio_ref - 1
    per_token = policy_term + kl_coef * kl
    lengths = mask.sum(dim=1).clamp(min=1)
    per_response = (per_token * mask).sum(dim=1) / lengths
    loss = per_response.mean()
    with torch.no_grad():
        tokens = mask.sum().clamp(min=1)
        was_clipped = ((ratio - 1).abs() > clip_eps).float() * (unclipped > clipped).float()
        return LossParts(
            loss=loss,
            policy=float(((policy_term * mask).sum(dim=1) / lengths).mean()),
            kl=float((kl * mask).sum() / tokens),
            clipped_fraction=float((was_clipped * mask).sum() / tokens),
        )
