"""Thinking-reward service benchmarks (docs/architecture.md, Measurement), ratios from one run.

    python -m benchmarks.bench_thinking rules      # rules judge over HTTP: items/s on 2 cores

A model judge (vLLM or transformers) against its engine's ceiling: `benchmarks.bench_judge`.

Numbers are machine-specific; compare rows of one run only.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
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


if __name__ == "__main__":
    app()
