"""Load over HTTP: 20,000 items from 50 concurrent clients, every item answered exactly once."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from pathlib import Path

import httpx
import psutil
import pytest

from benchmarks.outcome_workload import mixed_items
from tests.servers import start_server

CLIENTS = 50
REQUESTS_PER_CLIENT = 8
ITEMS_PER_REQUEST = 50
MAX_RETRIES = 100


async def _client(url: str, client_index: int, seen: Counter[str], statuses: Counter[int]) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=120.0) as client:
        for request_index in range(REQUESTS_PER_CLIENT):
            seed = client_index * REQUESTS_PER_CLIENT + request_index
            items = mixed_items(ITEMS_PER_REQUEST, seed=seed, prefix=f"c{client_index}-r{request_index}")
            for _ in range(MAX_RETRIES):
                response = await client.post("/score", json={"items": items})
                statuses[response.status_code] += 1
                if response.status_code != 429:
                    break
                await asyncio.sleep(float(response.headers["retry-after"]) / 10)
            assert response.status_code == 200, response.text
            results = response.json()["results"]
            assert [r["id"] for r in results] == [i["id"] for i in items]
            for result in results:
                seen[result["id"]] += 1
                assert result["status"] in ("ok", "invalid", "timeout", "error")
                assert ("score" in result) == (result["status"] == "ok")


@pytest.mark.slow
async def test_twenty_thousand_items_from_fifty_clients(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--scorer", "outcome")
    try:
        process = psutil.Process(server.process.pid)
        rss_before = process.memory_info().rss
        peak = rss_before
        seen: Counter[str] = Counter()
        statuses: Counter[int] = Counter()

        async def watch_memory() -> None:
            nonlocal peak
            while True:
                peak = max(peak, process.memory_info().rss)
                await asyncio.sleep(0.1)

        watcher = asyncio.create_task(watch_memory())
        try:
            await asyncio.gather(*(_client(server.url, n, seen, statuses) for n in range(CLIENTS)))
        finally:
            watcher.cancel()
        total = CLIENTS * REQUESTS_PER_CLIENT * ITEMS_PER_REQUEST
        assert total == 20_000
        assert len(seen) == total
        assert set(seen.values()) == {1}
        assert not [code for code in statuses if code >= 500]
        # Bounded: the queue and cache are bounded; 20k items must not grow the server by 400 MB.
        assert peak - rss_before < 400 * 1024**2, (rss_before, peak)
        assert server.client.get("/readyz").status_code == 200
    finally:
        assert server.stop() in (0, -signal.SIGTERM)
