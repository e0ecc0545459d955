"""Dynamic batching of scoring work (docs/architecture.md, Batching). Knows nothing of HTTP.

A batch closes at `max_batch_items`, `max_batch_tokens` or `max_wait_ms`, whichever comes first.
Items of one group are queued next to each other and a group is never split across batches unless
it alone exceeds a batch, so an engine with prefix caching computes the shared prompt once. The
queue is bounded in items and tokens, counting the items of batches the engine has not answered
yet; items whose deadline passed are answered `timeout` when dequeued; a failing batch fails only
its own items and the loop keeps running.

Results have one channel: the future of each `Work`. The engine sets each item's result as soon
as it has it; whatever it left unset when it returns or fails is answered `error` here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from reward_proto import ItemStatus, ScoreResult

from reward_server.config import Batching

logger = logging.getLogger(__name__)


class QueueFull(Exception):
    """Accepting the items would exceed the queue bound now; later they may fit."""


class NeverFits(Exception):
    """The items exceed the queue bound on their own: they would not fit an empty queue."""


class Closed(Exception):
    """The batcher is shutting down and accepts no new work."""


P = TypeVar("P")


@dataclass(slots=True)
class Work(Generic[P]):
    """One item waiting for a batch: the scorer's prepared `payload`, and the `future` that its
    result is set on (cancelled: nobody waits for it any more)."""

    id: str
    payload: P
    tokens: int
    group_key: str | None
    deadline: float
    future: asyncio.Future[ScoreResult]
    origin: Hashable = None  # the request it came with
    enqueued_at: float = field(default_factory=time.monotonic)


class BatchObserver(Protocol):
    def on_dequeue(self, wait_s: float) -> None: ...
    def on_batch(self, items: int, tokens: int, compute_s: float) -> None: ...
    def on_depth(self, items: int, tokens: int) -> None: ...


# Sets the result of each item on its future, as soon as it has it.
ProcessBatch = Callable[[Sequence[Work[P]]], Awaitable[None]]


def _answer(work: Work[P], status: ItemStatus, message: str) -> None:
    if not work.future.done():
        work.future.set_result(ScoreResult(id=work.id, status=status, error=message))


class Batcher(Generic[P]):
    """`submit()` work items, get their results through `Work.future`."""

    def __init__(
        self,
        process_batch: ProcessBatch[P],
        limits: Batching,
        observer: BatchObserver | None = None,
    ) -> None:
        self._process_batch = process_batch
        self.limits = limits
        self._observer = observer
        self._queue: deque[Work[P]] = deque()
        self._queued_tokens = 0
        self._busy_items = self._busy_tokens = 0  # in batches handed to the engine, not yet answered
        self._arrived = asyncio.Event()
        self._slots = asyncio.Semaphore(limits.max_concurrent_batches)
        self._running: set[asyncio.Task[None]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._closing = False

    @property
    def depth_items(self) -> int:
        """Items accepted and not yet answered: queued, or in a batch the engine is working on."""
        return len(self._queue) + self._busy_items

    @property
    def depth_tokens(self) -> int:
        return self._queued_tokens + self._busy_tokens

    @property
    def accepting(self) -> bool:
        return self._loop_task is not None and not self._closing

    def start(self) -> None:
        if self._loop_task is None:
            self._loop_task = asyncio.create_task(self._run(), name="batcher")

    def submit(self, items: Sequence[Work[P]]) -> None:
        """Queue all of `items` or none of them (raises `NeverFits` / `QueueFull` / `Closed`)."""
        if not self.accepting:
            raise Closed("the server is shutting down")
        tokens = sum(work.tokens for work in items)
        limits = self.limits
        if len(items) > limits.max_queue_items:
            raise NeverFits(f"{len(items)} items; max_queue_items is {limits.max_queue_items}")
        if tokens > limits.max_queue_tokens:
            raise NeverFits(f"{tokens} estimated tokens; max_queue_tokens is {limits.max_queue_tokens}")
        if (
            self.depth_items + len(items) > self.limits.max_queue_items
            or self.depth_tokens + tokens > self.limits.max_queue_tokens
        ):
            raise QueueFull(
                f"queue holds {self.depth_items} items / {self.depth_tokens} tokens; "
                f"{len(items)} more would exceed "
                f"{self.limits.max_queue_items} / {self.limits.max_queue_tokens}"
            )
        # Group members go next to each other, in first-appearance order of their groups.
        order: dict[str | None, list[Work[P]]] = {}
        singles: list[Work[P]] = []
        for work in items:
            if work.group_key is None:
                singles.append(work)
            else:
                order.setdefault(work.group_key, []).append(work)
        for members in order.values():
            self._queue.extend(members)
        self._queue.extend(singles)
        self._queued_tokens += tokens
        self._report_depth()
        self._arrived.set()

    async def close(self, drain_timeout_s: float) -> None:
        """Stop accepting, finish queued work within `drain_timeout_s`, time out the rest."""
        self._closing = True
        self._arrived.set()
        if self._loop_task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._loop_task), drain_timeout_s)
            except TimeoutError:
                self._loop_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._loop_task
        for work in self._queue:
            _answer(work, ItemStatus.TIMEOUT, "server shut down before this item was scored")
        self._queue.clear()
        self._queued_tokens = 0
        running = list(self._running)
        for task in running:
            task.cancel()
        # Their items are answered `timeout` as they unwind; wait so that close() returns after that.
        await asyncio.gather(*running, return_exceptions=True)

    def _report_depth(self) -> None:
        if self._observer is not None:
            self._observer.on_depth(self.depth_items, self.depth_tokens)

    async def _run(self) -> None:
        while not (self._closing and not self._queue):
            await self._slots.acquire()
            try:
                await self._wait_for_batch()
                batch = self._take_batch()
            except BaseException:
                self._slots.release()
                raise
            if not batch:
                self._slots.release()
                continue
            self._busy_items += len(batch)
            self._busy_tokens += sum(work.tokens for work in batch)
            task = asyncio.create_task(self._execute(batch))
            self._running.add(task)
            task.add_done_callback(self._running.discard)
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    async def _wait_for_batch(self) -> None:
        while not self._queue and not self._closing:
            self._arrived.clear()
            await self._arrived.wait()
        opened = time.monotonic()
        limits = self.limits
        while (
            not self._closing
            and len(self._queue) < limits.max_batch_items
            and self._queued_tokens < limits.max_batch_tokens
        ):
            remaining = limits.max_wait_ms / 1000 - (time.monotonic() - opened)
            if remaining <= 0:
                break
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)

    def _take_batch(self) -> list[Work[P]]:
        batch: list[Work[P]] = []
        tokens = 0
        now = time.monotonic()
        limits = self.limits
        while self._queue:
            work = self._queue[0]
            if work.future.done():
                self._pop()
                continue
            if now >= work.deadline:
                self._pop()
                _answer(work, ItemStatus.TIMEOUT, "deadline passed while queued")
                continue
            if batch and (
                len(batch) >= limits.max_batch_items or tokens + work.tokens > limits.max_batch_tokens
            ):
                break
            # Close before a group that would not fit whole, so its members share one batch.
            if batch and work.group_key is not None and work.group_key != batch[-1].group_key:
                group_items, group_tokens = self._group_size(work.group_key)
                if (
                    len(batch) + group_items > limits.max_batch_items
                    or tokens + group_tokens > limits.max_batch_tokens
                ):
                    break
            self._pop()
            batch.append(work)
            tokens += work.tokens
            if self._observer is not None:
                self._observer.on_dequeue(now - work.enqueued_at)
        self._report_depth()
        return batch

    def _group_size(self, group_key: str) -> tuple[int, int]:
        items = tokens = 0
        for work in self._queue:
            if work.group_key != group_key:
                break
            items += 1
            tokens += work.tokens
        return items, tokens

    def _pop(self) -> None:
        work = self._queue.popleft()
        self._queued_tokens -= work.tokens

    async def _execute(self, batch: list[Work[P]]) -> None:
        started = time.monotonic()
        try:
            await self._process_batch(batch)
        except asyncio.CancelledError:
            for work in batch:
                _answer(work, ItemStatus.TIMEOUT, "server shut down while this item was being scored")
            raise
        except Exception as exc:
            logger.exception("batch of %d items failed", len(batch))
            for work in batch:
                _answer(work, ItemStatus.ERROR, f"scoring failed: {type(exc).__name__}: {exc}"[:500])
        finally:
            self._slots.release()
            self._busy_items -= len(batch)
            self._busy_tokens -= sum(work.tokens for work in batch)
            self._report_depth()
            if self._observer is not None:
                self._observer.on_batch(len(batch), sum(w.tokens for w in batch), time.monotonic() - started)
        for work in batch:
            _answer(work, ItemStatus.ERROR, "the scorer returned without a result for this item")
