"""HTTP load generators shared by the benchmarks: closed loop (N clients) and open loop (paced)."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

_JSON = {"content-type": "application/json"}


def bodies_of(items: list[dict[str, Any]], per_request: int) -> list[bytes]:
    """`/score` request bodies of `per_request` items each, serialized once up front."""
    return [
        json.dumps({"items": items[start : start + per_request]}).encode()
        for start in range(0, len(items), per_request)
    ]


@dataclass
class LoadResult:
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)

    def note(self) -> str:
        return ", ".join(f"{count} {status}" for status, count in sorted(self.statuses.items()))


async def _post(http: httpx.AsyncClient, body: bytes, result: LoadResult) -> None:
    begin = time.perf_counter()
    response = await http.post("/score", content=body, headers=_JSON)
    result.latencies_ms.append((time.perf_counter() - begin) * 1000)
    response.raise_for_status()
    result.statuses.update(item["status"] for item in response.json()["results"])


async def closed_loop(url: str, bodies: list[bytes], clients: int) -> LoadResult:
    """`clients` concurrent clients, each posting the next body as soon as its last one returns."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    result = LoadResult()

    async def client() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=600) as http:
            while not queue.empty():
                await _post(http, queue.get_nowait(), result)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    result.seconds = time.perf_counter() - started
    return result


async def open_loop(url: str, bodies: list[bytes], interval_s: float) -> LoadResult:
    """One body every `interval_s` seconds, whatever the latency (so queueing shows in it)."""
    result = LoadResult()
    limits = httpx.Limits(max_connections=256)
    async with httpx.AsyncClient(base_url=url, timeout=600, limits=limits) as http:

        async def send_at(body: bytes, at: float) -> None:
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            await _post(http, body, result)

        started = time.perf_counter()
        await asyncio.gather(*(send_at(body, started + n * interval_s) for n, body in enumerate(bodies)))
        result.seconds = time.perf_counter() - started
    return result
