"""Trust-GRPO trainer: Trust-GRPO rewards and advantages (DESIGN section 7).

The reward client, the GRPO loop and the `trust-grpo` command arrive with the trainer issue.
"""

from trust_grpo.rewards import group_advantages, judged_mask, trust_gamma, trust_rewards

__all__ = ["group_advantages", "judged_mask", "trust_gamma", "trust_rewards"]
