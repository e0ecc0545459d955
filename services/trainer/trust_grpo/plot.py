"""`rewards.png`: the reward curves of a run, drawn from its metrics.jsonl."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _series(records: list[dict[str, Any]], key: str) -> tuple[list[int], list[float]]:
    points = [(r["step"], r[key]) for r in records if r.get(key) is not None]
    return [step for step, _ in points], [value for _, value in points]


def _records(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def _panels(axes: Any) -> list[tuple[Any, str, list[tuple[str, str]]]]:
    """Each panel's axis, title and curves (metric key, label)."""
    return [
        (
            axes[0, 0],
            "Outcome reward and accuracy",
            [
                ("trust/outcome_reward_mean", "outcome reward (train)"),
                ("eval_accuracy", "held-out accuracy (greedy)"),
            ],
        ),
        (
            axes[0, 1],
            "Thinking reward",
            [
                ("trust/thinking_reward_correct", "correct answers"),
                ("trust/thinking_reward_wrong", "wrong answers"),
            ],
        ),
        (
            axes[1, 0],
            "Trust",
            [
                ("trust/gamma_mean", "mean gamma per group"),
                ("trust/gamma_below_1_share", "share of gamma < 1"),
            ],
        ),
        (
            axes[1, 1],
            "Pipeline",
            [("trust/reward_wait_fraction", "reward-wait share of step"), ("kl", "KL to reference")],
        ),
    ]


def _draw_panel(axis: Any, title: str, lines: list[tuple[str, str]], records: list[dict[str, Any]]) -> None:
    for key, label in lines:
        steps, values = _series(records, key)
        if steps:
            marker = "o" if key == "eval_accuracy" else None
            axis.plot(steps, values, label=label, marker=marker)
    axis.set_title(title)
    axis.set_xlabel("step")
    axis.grid(alpha=0.3)
    if axis.lines:
        axis.legend(loc="best", fontsize=8)


def plot_run(run_dir: Path) -> Path | None:
    """Draw `run_dir/rewards.png` from `run_dir/metrics.jsonl`; None when there is nothing yet."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    records = _records(run_dir / "metrics.jsonl")
    if not records:
        return None
    figure, axes = plt.subplots(2, 2, figsize=(11, 7), constrained_layout=True)
    for axis, title, lines in _panels(axes):
        _draw_panel(axis, title, lines, records)
    figure.suptitle(f"Trust-GRPO run {run_dir.name}")
    path = run_dir / "rewards.png"
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
