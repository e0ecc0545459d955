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


async def _kill_the_worker_of(workers: WorkerPool, old_pid: int | None = None) -> int:
    """SIGKILL the worker (waiting first for a replacement of `old_pid` to be up)."""
    while True:
        pids = workers.worker_pids
        if pids and pids[0] != old_pid:
            os.kill(pids[0], signal.SIGKILL)
            return pids[0]
        await asyncio.sleep(0.05)


async def test_a_worker_killed_twice_mid_item_gives_error_and_is_replaced() -> None:
    restarts: list[str] = []
    workers = WorkerPool(workers=1, item_timeout_s=30, on_restart=restarts.append)
    await workers.start()
    try:
        task = asyncio.create_task(workers.run(SLOW, later()))
        await asyncio.sleep(0.2)
        first = await _kill_the_worker_of(workers)
        await asyncio.sleep(0.5)  # the item is retried on a fresh worker: kill that one too
        await _kill_the_worker_of(workers, first)
        result = await task
        assert result.status == "error"
        assert "died twice" in result.reason
        assert (await workers.run(FAST, later())).accuracy == 1.0
        assert restarts == ["crash", "crash"]
    finally:
        await workers.close()


async def test_an_item_whose_worker_was_killed_once_is_graded_on_a_fresh_one() -> None:
    """The OOM killer or an operator, not the item: it gets one more try."""
    restarts: list[str] = []
    workers = WorkerPool(workers=1, item_timeout_s=30, on_restart=restarts.append)
    await workers.start()
    try:
        task = asyncio.create_task(workers.run(Job("math", "x^2 + 2x + 1", "(x+1)^2"), later()))
        await _kill_the_worker_of(workers)
        result = await task
        assert (result.status, result.accuracy) == ("ok", 1.0)
        assert len(restarts) == 1
    finally:
        await workers.close()


async def test_a_worker_that_died_idle_is_replaced_before_the_next_item() -> None:
    restarts: list[str] = []
    workers = WorkerPool(workers=1, item_timeout_s=30, on_restart=restarts.append)
    await workers.start()
    try:
        (pid,) = workers.worker_pids
        os.kill(pid, signal.SIGKILL)
        await asyncio.to_thread(lambda: psutil.Process(pid).wait(timeout=30))
        assert (await workers.run(FAST, later())).status == "ok"
        assert restarts == ["crash_idle"]
    finally:
        await workers.close()


async def test_one_origins_slow_jobs_share_the_workers_with_another_origin() -> None:
    """A free worker takes the job of the origin with the fewest jobs running, not the oldest job."""
    workers = WorkerPool(workers=1, item_timeout_s=0.2)
    await workers.start()
    try:
        finished: list[str] = []

        async def run(name: str, job: Job, origin: str) -> None:
            await workers.run(job, later(), origin)
            finished.append(name)

        noisy = [asyncio.create_task(run(f"slow{n}", SLOW, "noisy")) for n in range(6)]
        await asyncio.sleep(0.1)  # slow0 is running; five more of its origin wait
        await run("quiet", FAST, "quiet")
        assert finished == ["slow0", "quiet"]
        await asyncio.gather(*noisy)
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
