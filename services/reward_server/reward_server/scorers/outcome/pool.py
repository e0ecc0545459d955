"""A pool of verifier processes with a hard per-item wall-clock limit enforced by the parent.

Each worker process is owned by one supervisor thread. The thread sends one job, waits on the
pipe for at most the per-item limit, and on expiry kills the process (no `signal.alarm`, no
cooperation needed from the worker) and starts a fresh one from a forkserver that has the heavy
libraries preloaded. A hostile item therefore costs one worker at most `item_timeout_s`; the
other workers keep draining the shared queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess

from reward_server.scorers.outcome.worker import PRELOAD_MODULES, Job, JobResult, worker_main

logger = logging.getLogger(__name__)

_STARTUP_TIMEOUT_S = 60.0
_Entry = tuple[Job, float, "asyncio.Future[JobResult]", asyncio.AbstractEventLoop]


class PoolClosed(RuntimeError):
    """The pool is shutting down and takes no more work."""


def _context() -> ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD_MODULES)
    return context


def _resolve(future: asyncio.Future[JobResult], result: JobResult) -> None:
    if not future.done():
        future.set_result(result)


class _Slot:
    """One worker process and the thread that supervises it."""

    def __init__(self, pool: WorkerPool, index: int) -> None:
        self._pool = pool
        self._index = index
        self._process: BaseProcess | None = None
        self._connection: Connection | None = None
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, name=f"verifier-slot-{index}", daemon=True)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _spawn(self) -> None:
        parent_end, child_end = self._pool.context.Pipe(duplex=True)
        process = self._pool.context.Process(
            target=worker_main,
            args=(child_end, self._pool.memory_limit_bytes),
            name=f"verifier-worker-{self._index}",
            daemon=True,
        )
        process.start()
        child_end.close()
        try:
            started = parent_end.poll(_STARTUP_TIMEOUT_S) and parent_end.recv() == "ready"
        except (EOFError, OSError):
            started = False
        if not started:
            process.kill()
            process.join()
            parent_end.close()
            raise RuntimeError(f"verifier worker {self._index} did not start")
        self._process, self._connection = process, parent_end

    def _stop_process(self, *, kill: bool) -> None:
        if self._process is None or self._connection is None:
            return
        if kill:
            self._process.kill()
        else:
            with contextlib.suppress(OSError):
                self._connection.send(None)
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._connection.close()
        self._process = self._connection = None

    def _execute(self, job: Job, deadline: float) -> tuple[JobResult, str | None]:
        """The job's result, and why the worker must be replaced (None while it is healthy)."""
        if self._connection is None:
            self._spawn()
        assert self._connection is not None
        limit = self._pool.item_timeout_s
        budget = min(limit, deadline - time.monotonic())
        try:
            self._connection.send(job)
            if self._connection.poll(max(0.0, budget)):
                result: JobResult = self._connection.recv()
                return result, None
        except (EOFError, OSError):
            return JobResult("error", None, "verifier worker died while grading this item"), "crash"
        if budget < limit:
            return JobResult("timeout", None, "the request deadline passed while grading"), "timeout"
        return JobResult("timeout", None, f"grading exceeded the {limit:g} s per-item limit"), "timeout"

    def _serve(self) -> None:
        try:
            self._spawn()
        except Exception:
            logger.exception("verifier worker %d failed to start", self._index)
            return
        finally:
            self.ready.set()
        while True:
            entry = self._pool.jobs.get()
            if entry is None:
                break
            job, deadline, future, loop = entry
            if future.done():
                continue
            replace_because: str | None = None
            if time.monotonic() >= deadline:
                result = JobResult("timeout", None, "deadline passed before grading started")
            else:
                try:
                    result, replace_because = self._execute(job, deadline)
                except Exception as exc:
                    logger.exception("verifier slot %d failed", self._index)
                    result = JobResult("error", None, f"verifier worker unavailable: {exc}")
            if replace_because is not None:
                self._stop_process(kill=True)
            loop.call_soon_threadsafe(_resolve, future, result)
            if replace_because is not None:
                # Answer first, then pay for the replacement before taking the next job.
                self._pool.on_restart(replace_because)
                try:
                    self._spawn()
                except Exception:
                    logger.exception("verifier worker %d not replaced; the next job retries", self._index)
        self._stop_process(kill=False)


class WorkerPool:
    """Grades `Job`s in worker processes; `await pool.run(job, deadline)`."""

    def __init__(
        self,
        workers: int,
        item_timeout_s: float,
        memory_limit_bytes: int = 0,
        on_restart: Callable[[str], None] | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("the verifier pool needs at least one worker")
        self.item_timeout_s = item_timeout_s
        self.memory_limit_bytes = memory_limit_bytes
        self.on_restart = on_restart or (lambda reason: None)
        self.context = _context()
        self.jobs: queue.SimpleQueue[_Entry | None] = queue.SimpleQueue()
        self._slots = [_Slot(self, index) for index in range(workers)]
        self._closed = False

    async def start(self) -> None:
        for slot in self._slots:
            slot.thread.start()
        for slot in self._slots:
            await asyncio.to_thread(slot.ready.wait)
        if not any(slot.pid for slot in self._slots):
            raise RuntimeError("no verifier worker could be started")

    @property
    def worker_pids(self) -> list[int]:
        return [pid for slot in self._slots if (pid := slot.pid) is not None]

    async def run(self, job: Job, deadline: float) -> JobResult:
        """Grade one job; `deadline` is a `time.monotonic()` value."""
        if self._closed:
            raise PoolClosed("the verifier pool is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[JobResult] = loop.create_future()
        self.jobs.put((job, deadline, future, loop))
        return await future

    async def close(self) -> None:
        """Finish queued jobs, then stop every worker process."""
        if self._closed:
            return
        self._closed = True
        for _ in self._slots:
            self.jobs.put(None)
        for slot in self._slots:
            await asyncio.to_thread(slot.thread.join)
