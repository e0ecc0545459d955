"""Outcome verifier over HTTP against a plain math-verify loop, on the same items, in one run.

    python -m benchmarks.bench_outcome            # prints a table
    python -m benchmarks.bench_outcome --markdown # the same table in Markdown (docs/benchmarks.md)

Numbers are machine-specific; compare rows of one run only.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from benchmarks.load import bodies_of, closed_loop, open_loop
from benchmarks.outcome_workload import mixed_items, power_towers, slow_item
from tests.servers import RunningServer, start_server

app = typer.Typer(add_completion=False)


@dataclass
class Row:
    name: str
    items: int
    seconds: float
    latencies_ms: list[float]
    note: str = ""

    @property
    def items_per_s(self) -> float:
        return self.items / self.seconds

    def quantile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def math_verify_loop(items: list[dict[str, Any]]) -> Row:
    """What a reward function without a service does: first <answer> tag, math-verify, one process."""
    from math_verify import parse, verify

    logging.getLogger("math_verify").setLevel(logging.ERROR)
    latencies = []
    started = time.perf_counter()
    for item in items:
        begin = time.perf_counter()
        match = re.search(r"<answer>(.*?)</answer>", item["response"], re.DOTALL)
        answer = match.group(1) if match else item["response"]
        verify(parse(f"${item['ground_truth']}$"), parse(f"${answer}$"))
        latencies.append((time.perf_counter() - begin) * 1000)
    return Row(
        "math-verify loop (1 process, in-process call)", len(items), time.perf_counter() - started, latencies
    )


async def http_load(
    server: RunningServer, items: list[dict[str, Any]], clients: int, batch: int, name: str
) -> Row:
    """`clients` concurrent clients, each posting requests of `batch` items until all are sent."""
    load = await closed_loop(server.url, bodies_of(items, batch), clients)
    return Row(name, len(items), load.seconds, load.latencies_ms, load.note())


async def paced_load(
    server: RunningServer, items: list[dict[str, Any]], rate: float, batch: int, name: str
) -> Row:
    """Open loop: a request of `batch` items every `batch / rate` seconds, whatever the latency."""
    load = await open_loop(server.url, bodies_of(items, batch), batch / rate)
    return Row(name, len(items), load.seconds, load.latencies_ms, load.note())


def single_request(server: RunningServer, items: list[dict[str, Any]], name: str) -> Row:
    begin = time.perf_counter()
    results = server.score(items)["results"]
    seconds = time.perf_counter() - begin
    statuses: dict[str, int] = {}
    for result in results:
        statuses[result["status"]] = statuses.get(result["status"], 0) + 1
    note = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
    return Row(name, len(items), seconds, [seconds * 1000], note)


async def beside_slow_items(server: RunningServer) -> list[Row]:
    """100 normal items in one request while another request holds one slow item that no guard
    catches (seconds of sympy): the slow one times out at the per-item limit, the others go on."""
    slow = slow_item()
    normal = mixed_items(100, seed=5, prefix="beside")
    slow_task = asyncio.create_task(
        asyncio.to_thread(single_request, server, [slow], "1 unscreened slow item")
    )
    await asyncio.sleep(0.2)
    normal_row = await asyncio.to_thread(
        single_request, server, normal, "100 normal items, sent while the slow item runs"
    )
    return [normal_row, await slow_task]


def service_rows(server: RunningServer, workload: list[dict[str, Any]], baseline: Row) -> list[Row]:
    """The verifier's rows after a warm-up: closed- and open-loop throughput, then single requests
    (normal items, with power towers, beside a slow item)."""
    # Warm the HTTP path and the workers once, on other items.
    single_request(server, mixed_items(200, seed=99, prefix="warm"), "warm-up")
    rows = [asyncio.run(http_load(server, workload, 8, 64, "HTTP, 8 clients x 64 items"))]
    rate = 3 * baseline.items_per_s
    rows.append(
        asyncio.run(
            paced_load(
                server,
                workload,
                rate,
                8,
                f"HTTP, groups of 8 at {rate:,.0f} items/s (3x math-verify)",
            )
        )
    )
    rows.append(
        single_request(server, mixed_items(100, seed=5, prefix="alone"), "100 normal items, 1 request")
    )
    rows.append(
        single_request(
            server,
            mixed_items(100, seed=5, prefix="mixed") + power_towers(5),
            "100 normal + 5 power towers, 1 request",
        )
    )
    rows.extend(asyncio.run(beside_slow_items(server)))
    return rows


def results_table(rows: list[Row], baseline: Row, items: int) -> Table:
    table = Table(title=f"Outcome verifier, {os.cpu_count()} cores, {items} items per throughput run")
    for column in ("run", "items", "items/s", "vs math-verify", "p50 ms", "p99 ms", "statuses"):
        table.add_column(column, justify="left" if column in ("run", "statuses") else "right")
    for row in rows:
        ratio = row.items_per_s / baseline.items_per_s
        p50, p99 = (f"{row.quantile(0.5):.1f}", f"{row.quantile(0.99):.1f}")
        table.add_row(
            row.name, str(row.items), f"{row.items_per_s:,.0f}", f"{ratio:.2f}x", p50, p99, row.note
        )
    return table


def print_markdown(table: Table) -> None:
    print("| " + " | ".join(c.header for c in table.columns) + " |")  # type: ignore[str-bytes-safe]
    print("|" + "|".join("---" for _ in table.columns) + "|")
    for index in range(table.row_count):
        print("| " + " | ".join(str(c._cells[index]) for c in table.columns) + " |")


@app.command()
def main(
    items: Annotated[int, typer.Option(help="Items in the throughput runs.")] = 4000,
    markdown: Annotated[bool, typer.Option(help="Print Markdown instead of a terminal table.")] = False,
) -> None:
    console = Console()
    workload = mixed_items(items, seed=11)
    with console.status("math-verify loop"):
        baseline = math_verify_loop(workload)
    with tempfile.TemporaryDirectory() as tmp, console.status("reward server"):
        # The result cache is off: every run grades every item (the cache only adds to these numbers).
        server = start_server(Path(tmp), "--scorer", "outcome", env={"REWARD_SERVER_CACHE_ENTRIES": "0"})
        try:
            startup = server.startup_s
            rows = [baseline, *service_rows(server, workload, baseline)]
        finally:
            server.stop()

    table = results_table(rows, baseline, items)
    if markdown:
        print_markdown(table)
    else:
        console.print(table)
    console.print(f"time to /readyz 200 after process start: {startup:.2f} s")
    console.print(
        "latency: per request for HTTP rows (all items of a request return together), per item for the loop;"
        f" math-verify p50 per item {statistics.median(baseline.latencies_ms):.2f} ms"
    )


if __name__ == "__main__":
    app()
