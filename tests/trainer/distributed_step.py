"""One TrustGRPOTrainer step in each of several processes (run by torchrun from test_trainer.py).

Usage: torchrun --nproc_per_node 2 -m tests.trainer.distributed_step POLICY RUN_DIR OUTCOME THINKING OUT MODE
Each rank writes OUT/rank<k>.json: its local advantages and the gammas it computed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from trust_grpo.config import TrustGRPOConfig
from trust_grpo.data import as_dataset, training_items
from trust_grpo.trainer import TrustGRPOTrainer

from tests.trainer import trust_cases


class Recording(TrustGRPOTrainer):
    def _generate_and_score_completions(self, inputs: list[dict[str, Any]]) -> dict[str, Any]:
        output = super()._generate_and_score_completions(inputs)
        self.record = {
            "local_items": len(inputs),
            "advantages": output["advantages"].double().tolist(),
            "gammas": self.last_trust_batch.gammas,
        }
        return output


def main(policy: str, run_dir: str, outcome: str, thinking: str, out: str, mode: str) -> None:
    values = trust_cases.config_values(Path(run_dir), outcome, thinking, trust_mode=mode)
    values["per_device_train_batch_size"] = trust_cases.BATCH // 2
    trainer = Recording(
        model=policy, args=TrustGRPOConfig(**values), train_dataset=as_dataset(training_items("toy", 64, 0))
    )
    trainer.train()
    Path(out).mkdir(parents=True, exist_ok=True)
    rank = trainer.accelerator.process_index
    (Path(out) / f"rank{rank}.json").write_text(json.dumps(trainer.record))


if __name__ == "__main__":
    main(*sys.argv[1:7])
