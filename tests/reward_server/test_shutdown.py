"""SIGTERM: stop accepting, finish what is in flight, stop every worker, exit cleanly."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from benchmarks.outcome_workload import slow_item
from tests.servers import start_server


@pytest.mark.slow
def test_sigterm_finishes_in_flight_work_and_leaks_no_process(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--scorer", "outcome", "--verifier-workers", "2")
    children = server.descendants()
    assert len(children) >= 3  # forkserver, resource tracker, 2 workers (and possibly more helpers)
    slow = slow_item()
    normal = [
        {"id": f"n{k}", "response": f"<think>t</think><answer>{k}</answer>", "ground_truth": str(k)}
        for k in range(20)
    ]
    outcome: dict[str, Any] = {}

    def send() -> None:
        response = httpx.post(f"{server.url}/score", json={"items": [slow, *normal]}, timeout=60)
        outcome["status"] = response.status_code
        outcome["results"] = response.json()["results"]

    sender = threading.Thread(target=send)
    sender.start()
    time.sleep(0.5)  # the slow item is now inside a worker
    server.process.terminate()
    sender.join(timeout=60)
    # uvicorn re-raises the captured SIGTERM after a clean shutdown, as process managers expect.
    assert server.process.wait(timeout=60) in (0, -signal.SIGTERM)
    assert outcome["status"] == 200
    statuses = {r["id"]: r["status"] for r in outcome["results"]}
    assert len(statuses) == 21
    assert all(statuses[f"n{k}"] == "ok" for k in range(20))
    assert statuses["slow"] in ("ok", "timeout")
    deadline = time.monotonic() + 10
    while any(child.is_running() and child.status() != psutil.STATUS_ZOMBIE for child in children):
        assert time.monotonic() < deadline, [c.pid for c in children if c.is_running()]
        time.sleep(0.1)
    assert "Application shutdown complete" in server.log()
