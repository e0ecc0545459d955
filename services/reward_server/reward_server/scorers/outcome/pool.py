"""A pool of verifier processes with a hard per-item wall-clock limit enforced by the parent.

Each worker process is owned by one supervisor thread. The thread sends one job, waits on the
pipe for at most the per-item limit, and on expiry kills the process (no `signal.alarm`, no
cooperation needed from the worker) and starts a fresh one from a forkserver that has the heavy
libraries preloaded. A hostile item therefore costs one worker at most `item_timeout_s`; the
other workers keep draining the shared queue.

The queue is fair between origins (requests): a free worker takes the oldest job of the origin
with the fewest jobs running, so one request full of slow items holds at most its share of the
workers while another request waits, instead of every worker in turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess

from reward_proto import ItemStatus

from reward_server.scorers.outcome.grade import Grade
from reward_server.scorers.outcome.worker import PRELOAD_MODULES, Job, worker_main

logger = logging.getLogger(__name__)

_STARTUP_TIMEOUT_S = 60.0


@dataclass(frozen=True, slots=True)
class _Entry:
    job: Job
    deadline: float
    future: asyncio.Future[Grade]
    loop: asyncio.AbstractEventLoop
    origin: Hashable
    sequence: int


class _FairQueue:
    """Jobs by origin; `get` serves the origin with the fewest jobs running and, among those, the
    one served longest ago (round robin), each origin's jobs in order."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._waiting: dict[Hashable, deque[_Entry]] = {}
        self._running: Counter[Hashable] = Counter()
        self._served: dict[Hashable, int] = {}  # origin -> the tick of its last job taken
        self._sequence = 0
        self._ticks = 0
        self._closing = False

    def put(self, job: Job, deadline: float, future: asyncio.Future[Grade], origin: Hashable) -> None:
        with self._lock:
            self._sequence += 1
            entry = _Entry(job, deadline, future, future.get_loop(), origin, self._sequence)
            self._waiting.setdefault(origin, deque()).append(entry)
            self._lock.notify()

    def get(self) -> _Entry | None:
        """The next job (counted as running until `done`), or None once closing and empty."""
        with self._lock:
            while not self._waiting:
                if self._closing:
                    return None
                self._lock.wait()
            origin = min(self._waiting, key=self._priority)
            jobs = self._waiting[origin]
            entry = jobs.popleft()
            if not jobs:
                del self._waiting[origin]
            self._running[origin] += 1
            self._ticks += 1
            self._served[origin] = self._ticks
            return entry

    def _priority(self, origin: Hashable) -> tuple[int, int, int]:
        return self._running[origin], self._served.get(origin, -1), self._waiting[origin][0].sequence

    def done(self, entry: _Entry) -> None:
        with self._lock:
            origin = entry.origin
            self._running[origin] -= 1
            if not self._running[origin]:
                del self._running[origin]
                if origin not in self._waiting:
                    del self._served[origin]  # every request is an origin: keep only live ones

    def close(self) -> None:
        """Let `get` return None once the queued jobs are taken."""
        with self._lock:
            self._closing = True
            self._lock.notify_all()


class PoolClosed(RuntimeError):
    """The pool is shutting down and takes no more work."""


def _context() -> ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD_MODULES)
    return context


def _resolve(future: asyncio.Future[Grade], result: Grade) -> None:
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

    def _idle_worker_died(self) -> bool:
        """An idle worker has nothing to say: a readable pipe means it closed (it died)."""
        assert self._process is not None
        assert self._connection is not None
        try:
            return not self._process.is_alive() or self._connection.poll(0)
        except OSError:
            return True

    def _execute(self, job: Job, deadline: float) -> tuple[Grade, str | None]:
        """The job's result, and why the worker must be replaced (None while it is healthy).

        A worker that died while idle is replaced before the job is sent. A worker that dies
        during the job may have died of something else (the OOM killer, an operator), so the job
        gets one more try on a fresh worker, with what is left of its per-item limit; a second death
        is the item's own `error`.
        """
        limit_left = self._pool.item_timeout_s
        for attempt in range(2):
            if self._connection is not None and self._idle_worker_died():
                self._stop_process(kill=True)
                self._pool.on_restart("crash_idle")
            if self._connection is None:
                self._spawn()
            assert self._connection is not None
            until_deadline = deadline - time.monotonic()
            budget = min(limit_left, until_deadline)
            if budget <= 0:
                return Grade.failed(ItemStatus.TIMEOUT, "the request deadline passed while grading"), None
            started = time.monotonic()
            try:
                self._connection.send(job)
                if self._connection.poll(budget):
                    result: Grade = self._connection.recv()
                    return result, None
            except (EOFError, OSError):
                if attempt == 0:
                    limit_left -= time.monotonic() - started
                    self._stop_process(kill=True)
                    self._pool.on_restart("crash")
                    continue
                return Grade.failed(
                    ItemStatus.ERROR, "verifier worker died twice while grading this item"
                ), "crash"
            if until_deadline < limit_left:
                return Grade.failed(
                    ItemStatus.TIMEOUT, "the request deadline passed while grading"
                ), "timeout"
            reason = f"grading exceeded the {self._pool.item_timeout_s:g} s per-item limit"
            return Grade.failed(ItemStatus.TIMEOUT, reason, over_limit=True), "timeout"
        raise AssertionError("unreachable")

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
            try:
                replace_because = self._serve_one(entry)
            finally:
                self._pool.jobs.done(entry)
            if replace_because is not None:
                # Answer first, then pay for the replacement before taking the next job.
                self._pool.on_restart(replace_because)
                try:
                    self._spawn()
                except Exception:
                    logger.exception("verifier worker %d not replaced; the next job retries", self._index)
        self._stop_process(kill=False)

    def _serve_one(self, entry: _Entry) -> str | None:
        """Grade one entry and answer it; returns why the worker must be replaced, if it must."""
        if entry.future.done():
            return None  # cancelled: its request is gone
        replace_because: str | None = None
        if time.monotonic() >= entry.deadline:
            result = Grade.failed(ItemStatus.TIMEOUT, "deadline passed before grading started")
        else:
            try:
                result, replace_because = self._execute(entry.job, entry.deadline)
            except Exception as exc:
                logger.exception("verifier slot %d failed", self._index)
                result = Grade.failed(ItemStatus.ERROR, f"verifier worker unavailable: {exc}")
        if replace_because is not None:
            self._stop_process(kill=True)
        entry.loop.call_soon_threadsafe(_resolve, entry.future, result)
        return replace_because


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
        self.jobs = _FairQueue()
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

    async def run(self, job: Job, deadline: float, origin: Hashable = None) -> Grade:
        """Grade one job; `deadline` is a `time.monotonic()` value. Jobs of one `origin` (a request)
        share the workers fairly with other origins' jobs."""
        if self._closed:
            raise PoolClosed("the verifier pool is closed")
        future: asyncio.Future[Grade] = asyncio.get_running_loop().create_future()
        self.jobs.put(job, deadline, future, origin)
        return await future

    async def close(self) -> None:
        """Finish queued jobs, then stop every worker process."""
        if self._closed:
            return
        self._closed = True
        self.jobs.close()
        for slot in self._slots:
            await asyncio.to_thread(slot.thread.join)
