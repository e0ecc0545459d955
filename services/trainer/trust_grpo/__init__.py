"""Trust-GRPO trainer (DESIGN section 7): rewards and advantages, the reward client, the loop.

`trust_rewards` and `group_advantages` are pure tensor functions; `RewardClient` calls the reward
services; `trust-grpo train --config FILE` runs the loop (`trust_grpo.train.Trainer`).
"""

from trust_grpo.client import ItemScore, RewardClient
from trust_grpo.rewards import group_advantages, judged_mask, trust_gamma, trust_rewards

__all__ = ["ItemScore", "RewardClient", "group_advantages", "judged_mask", "trust_gamma", "trust_rewards"]
