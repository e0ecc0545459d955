"""Trust-GRPO on TRL (docs/architecture.md, Trust-GRPO): the trainer, the reward client, the reward math.

`TrustGRPOTrainer` is TRL's `GRPOTrainer` with its rewards from the two services and Trust-GRPO
advantages; `trust_rewards`, `group_advantages` and `trust_advantages` are the pure tensor spec;
`RewardClient` calls the services. `trust-grpo train --config FILE` runs a training.
Importing the package does not import TRL; `TrustGRPOTrainer` and `TrustGRPOConfig` load it on use.
"""

from typing import TYPE_CHECKING, Any

from trust_grpo.client import ItemScore, RewardClient
from trust_grpo.rewards import group_advantages, judged_mask, trust_advantages, trust_gamma, trust_rewards

if TYPE_CHECKING:
    from trust_grpo.config import TrustGRPOConfig
    from trust_grpo.remote import RemoteReward
    from trust_grpo.trainer import TrustGRPOTrainer

_LAZY = {
    "TrustGRPOConfig": "trust_grpo.config",
    "TrustGRPOTrainer": "trust_grpo.trainer",
    "RemoteReward": "trust_grpo.remote",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'trust_grpo' has no attribute {name!r}")


__all__ = [
    "ItemScore",
    "RemoteReward",
    "RewardClient",
    "TrustGRPOConfig",
    "TrustGRPOTrainer",
    "group_advantages",
    "judged_mask",
    "trust_advantages",
    "trust_gamma",
    "trust_rewards",
]
