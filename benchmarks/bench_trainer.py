"""Trainer benchmark (DESIGN section 10): asynchronous scoring overlap against the synchronous
client of the released SophiaVL-R1 code, with scoring slowed on purpose.

    python -m benchmarks.bench_trainer                       # 6 steps per pipeline, 50 ms per request
    python -m benchmarks.bench_trainer --added-latency-ms 200 --markdown

Both services run on 127.0.0.1 with `REWARD_SERVER_ADDED_LATENCY_MS` (every /score request waits that
long first). `async`: each group is scored while the next ones are generated; `sync`: scoring
starts after all rollouts, one item per request, one request in flight. Real training steps
(updates included) on the toy task's tiny policy; step 1 of each run is a warm-up and not counted.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from trust_grpo.config import TrainConfig
from trust_grpo.tiny_policy import build_tiny_policy
from trust_grpo.train import Trainer

from tests.servers import start_server

console = Console()


def _run(config: TrainConfig) -> list[dict[str, Any]]:
    trainer = Trainer(config, show_progress=False)

    async def steps() -> list[dict[str, Any]]:
        outcome, thinking = trainer._clients()
        try:
            return [await trainer.train_step(outcome, thinking) for _ in range(config.total_steps)]
        finally:
            await outcome.aclose()
            if thinking is not None:
                await thinking.aclose()

    return asyncio.run(steps())[1:]


def main(
    steps: Annotated[int, typer.Option(help="Steps per pipeline (the first is not counted).")] = 6,
    added_latency_ms: Annotated[float, typer.Option(help="Added latency per /score request.")] = 50.0,
    policy: Annotated[Path | None, typer.Option(help="Policy (default: build the tiny one).")] = None,
    markdown: Annotated[bool, typer.Option(help="Print Markdown instead of a terminal table.")] = False,
) -> None:
    """Compare step time and reward-wait fraction of the async and sync pipelines."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if policy is None:
            with console.status("building the tiny policy"):
                policy = build_tiny_policy(root / "policy", warmup_steps=150)
        env = {"REWARD_SERVER_ADDED_LATENCY_MS": str(added_latency_ms)}
        outcome = start_server(root, "--scorer", "outcome", env=env)
        thinking = start_server(root, "--scorer", "thinking", "--backend", "rules", env=env)
        rows: list[tuple[str, list[dict[str, Any]]]] = []
        try:
            for pipeline in ("async", "sync"):
                config = TrainConfig(
                    name=pipeline,
                    output_dir=root / "runs",
                    policy=str(policy),
                    total_steps=steps,
                    prompts_per_step=8,
                    group_size=8,
                    max_new_tokens=40,
                    learning_rate=1e-4,
                    pipeline=pipeline,
                    rollout_chunk_groups=1,
                    eval_problems=0,
                    services={"outcome_urls": [outcome.url], "thinking_urls": [thinking.url]},  # type: ignore[arg-type]
                )
                with console.status(f"{pipeline}: {steps} steps"):
                    rows.append((pipeline, _run(config)))
        finally:
            outcome.stop()
            thinking.stop()
    summary = {
        name: (
            statistics.mean(record["step_seconds"] for record in records),
            statistics.mean(record["reward_wait_seconds"] for record in records),
            statistics.mean(record["reward_wait_fraction"] for record in records),
        )
        for name, records in rows
    }
    speedup = summary["sync"][0] / summary["async"][0]
    title = (
        f"Trainer step, 8 groups x 8, {added_latency_ms:g} ms added per /score request, "
        f"{steps - 1} steps each"
    )
    headers = ("pipeline", "step time (s)", "reward wait (s)", "trainer_reward_wait_fraction", "speed-up")
    lines = [
        (name, f"{step:.2f}", f"{wait:.2f}", f"{fraction:.1%}", f"{summary['sync'][0] / step:.2f}x")
        for name, (step, wait, fraction) in summary.items()
    ]
    if markdown:
        print(f"**{title}**\n")
        print("| " + " | ".join(headers) + " |")
        print("|" + "---|" * len(headers))
        for line in lines:
            print("| " + " | ".join(line) + " |")
    else:
        table = Table(title=title)
        for header in headers:
            table.add_column(header)
        for line in lines:
            table.add_row(*line)
        console.print(table)
    console.print(f"async step time is {speedup:.2f}x shorter than sync")


if __name__ == "__main__":
    typer.run(main)
