"""The verifier process pool: hard per-item limit, crash recovery, clean shutdown."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator

import psutil
import pytest
from reward_server.scorers.outcome.pool import PoolClosed, WorkerPool
from reward_server.scorers.outcome.worker import Job

from benchmarks.outcome_workload import SLOW_ANSWER, SLOW_TRUTH

SLOW = Job("math", SLOW_ANSWER, SLOW_TRUTH)  # seconds of sympy: far over the 50 ms limit used here
FAST = Job("math", "\\frac{1}{2}", "0.5")


def later(seconds: float = 60.0) -> float:
    return time.monotonic() + seconds


@pytest.fixture
async def pool() -> AsyncIterator[tuple[WorkerPool, list[str]]]:
    restarts: list[str] = []
    pool = WorkerPool(workers=1, item_timeout_s=0.05, on_restart=restarts.append)
    await pool.start()
    yield pool, restarts
    await pool.close()


async def test_an_item_over_the_limit_times_out_and_the_worker_is_replaced(
    pool: tuple[WorkerPool, list[str]],
) -> None:
    workers, restarts = pool
    (first_pid,) = workers.worker_pids
    result = await workers.run(SLOW, later())
    assert result.status == "timeout"
    assert "per-item limit" in result.reason
    # The replacement starts after the answer went out; the next item runs on it.
    assert (await workers.run(FAST, later())).status == "ok"
    assert restarts == ["timeout"]
    assert not psutil.pid_exists(first_pid) or psutil.Process(first_pid).status() == psutil.STATUS_ZOMBIE
    assert workers.worker_pids
    assert workers.worker_pids != [first_pid]


async def test_a_worker_killed_mid_item_gives_error_and_is_replaced() -> None:
    restarts: list[str] = []
    workers = WorkerPool(workers=1, item_timeout_s=30, on_restart=restarts.append)
    await workers.start()
    try:
        (pid,) = workers.worker_pids
        task = asyncio.create_task(workers.run(SLOW, later()))
        await asyncio.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
        result = await task
        assert result.status == "error"
        assert "died" in result.reason
        assert (await workers.run(FAST, later())).accuracy == 1.0
        assert restarts == ["crash"]
    finally:
        await workers.close()


async def test_an_item_whose_deadline_passed_is_not_graded(pool: tuple[WorkerPool, list[str]]) -> None:
    workers, restarts = pool
    result = await workers.run(SLOW, time.monotonic() - 1)
    assert result.status == "timeout"
    assert "before grading started" in result.reason
    assert restarts == []


async def test_close_stops_every_worker() -> None:
    workers = WorkerPool(workers=2, item_timeout_s=1)
    await workers.start()
    pids = workers.worker_pids
    assert len(pids) == 2
    await workers.close()
    for pid in pids:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    with pytest.raises(PoolClosed):
        await workers.run(FAST, later())
