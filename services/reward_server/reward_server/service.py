"""The scoring service: limits, cache, batching and deadlines around a scorer. No HTTP here."""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from typing import Generic, TypeVar

from reward_proto import ItemStatus, ScoreItem, ScoreRequest, ScoreResponse, ScoreResult

from reward_server.batcher import Batcher, Closed, NeverFits, QueueFull, Work
from reward_server.cache import LRUCache
from reward_server.config import Batching, RequestLimits, ServiceSettings
from reward_server.errors import NotReady, PayloadTooLarge, QueueFullError
from reward_server.metrics import ServerMetrics
from reward_server.scorers import Prepared, Scorer

logger = logging.getLogger(__name__)


# Requests smaller than this (a few milliseconds of linear scans) are prepared on the event loop:
# a thread hop, and handing the GIL back and forth with the loop, would cost more than the work.
_OFF_LOOP_CHARS = 131_072


def _size(item: ScoreItem) -> int:
    size = len(item.response) + len(item.ground_truth or "") + len(item.question or "")
    size += sum(len(uri) for uri in item.images or ())
    return size + sum(len(key) + len(text) for key, text in (item.choices or {}).items())


P = TypeVar("P")


class ScoringService(Generic[P]):
    """Answers a `ScoreRequest` with exactly one result per item, matched by id."""

    def __init__(
        self,
        scorer: Scorer[P],
        settings: ServiceSettings,
        batching: Batching,
        limits: RequestLimits,
        metrics: ServerMetrics,
    ) -> None:
        self.scorer = scorer
        self.settings = settings
        self.limits = limits
        self.metrics = metrics
        self.cache: LRUCache[ScoreResult] = LRUCache(settings.cache_entries)
        if scorer.queues_fairly:
            # Batches held by one request's slow items would otherwise keep another's in the queue;
            # every batch holds at least one item, so this many slots take every admitted item.
            slots = max(batching.max_concurrent_batches, batching.max_queue_items)
            batching = batching.model_copy(update={"max_concurrent_batches": slots})
        self.batcher: Batcher[P] = Batcher(scorer.score_batch, batching, observer=metrics)
        # Preparation of large requests (extraction, guards, image checks) runs here, not on the loop.
        self._preparer = ThreadPoolExecutor(max_workers=2, thread_name_prefix="prepare")
        self._origins = itertools.count()
        self.draining = asyncio.Event()  # SIGTERM came: no new requests
        self.drained = asyncio.Event()  # the drain's time is up: what is unfinished is answered now
        self._admitted = 0
        self._all_answered = asyncio.Event()
        self._all_answered.set()

    async def start(self) -> None:
        await self.scorer.start()
        self.batcher.start()

    @contextmanager
    def admitted(self) -> Iterator[None]:
        """Around a request from its body to its answer: refused once draining, waited for by `drain`."""
        if self.draining.is_set():
            raise NotReady("the server is shutting down")
        self._admitted += 1
        self._all_answered.clear()
        try:
            yield
        finally:
            self._admitted -= 1
            if not self._admitted:
                self._all_answered.set()

    async def drain(self) -> None:
        """Stop taking requests; admitted ones get `shutdown_timeout_s` to be answered, then whatever
        is unfinished is answered `timeout` at once, so that every admitted request gets its answer."""
        if self.draining.is_set():
            return
        self.draining.set()
        with suppress(TimeoutError):
            await asyncio.wait_for(self._all_answered.wait(), self.settings.shutdown_timeout_s)
        self.drained.set()
        await self.batcher.close(0)

    async def close(self) -> None:
        await self.drain()
        await self.scorer.close()
        self._preparer.shutdown(wait=False, cancel_futures=True)

    def readiness(self) -> str | None:
        """None when ready, else why not."""
        if self.draining.is_set() or not self.batcher.accepting:
            return "shutting down"
        if not self.scorer.ready:
            return "engine not loaded"
        high_water, bound = self.settings.ready_high_water, self.batcher.limits
        if self.batcher.depth_items > high_water * bound.max_queue_items:
            return f"queue above {high_water:.0%} of its item bound"
        if self.batcher.depth_tokens > high_water * bound.max_queue_tokens:
            return f"queue above {high_water:.0%} of its token bound"
        return None

    async def score(self, request: ScoreRequest) -> ScoreResponse:
        settings, limit = self.settings, self.limits.max_items_per_request
        if len(request.items) > limit:
            raise PayloadTooLarge(f"{len(request.items)} items in one request (limit {limit})")
        deadline = time.monotonic() + (request.deadline_ms or settings.default_deadline_ms) / 1000
        if settings.added_latency_ms:
            # Per request, not per engine batch: items the scorer settles in `prepare` (the
            # verifier's fast path, the rules judge) never reach a batch but must pay it too.
            await asyncio.sleep(settings.added_latency_ms / 1000)
        prepared = await self._prepare_request(request.items, deadline)
        results: dict[str, ScoreResult] = {}
        work: list[Work[P]] = []
        cache_keys: dict[str, str] = {}
        origin, loop = next(self._origins), asyncio.get_running_loop()
        for item, outcome in zip(request.items, prepared, strict=True):
            if isinstance(outcome, ScoreResult):
                results[item.id] = outcome
                continue
            if outcome.cache_key:
                cached = self.cache.get(outcome.cache_key)
                if cached is not None:
                    self.metrics.cache_hits.inc()
                    results[item.id] = cached.model_copy(update={"id": item.id})
                    continue
                cache_keys[item.id] = outcome.cache_key
            future = loop.create_future()
            work.append(
                Work(item.id, outcome.payload, outcome.tokens, outcome.group_key, deadline, future, origin)
            )
        if work:
            results.update(await self._queue_and_wait(work, deadline))
        for item_id, key in cache_keys.items():
            if results[item_id].status is ItemStatus.OK:
                self.cache.put(key, results[item_id])
        ordered = [results[item.id] for item in request.items]
        for result in ordered:
            self.metrics.observe_item(result.status.value, result.score)
        return ScoreResponse(
            scorer=self.scorer.name,
            model=self.scorer.model,
            model_version=self.scorer.model_version,
            results=ordered,
        )

    async def _prepare_request(
        self, items: Sequence[ScoreItem], deadline: float
    ) -> list[Prepared[P] | ScoreResult]:
        abandoned = threading.Event()  # the client left: the preparing thread stops early too
        if sum(_size(item) for item in items) <= _OFF_LOOP_CHARS:
            return self._prepare_all(items, deadline, abandoned)
        try:
            return await asyncio.get_running_loop().run_in_executor(
                self._preparer, self._prepare_all, items, deadline, abandoned
            )
        except asyncio.CancelledError:
            abandoned.set()
            raise

    def _prepare_all(
        self, items: Sequence[ScoreItem], deadline: float, abandoned: threading.Event
    ) -> list[Prepared[P] | ScoreResult]:
        """`prepare` each item within the request's deadline; one item's failure is its own `error`."""
        prepared: list[Prepared[P] | ScoreResult] = []
        for item in items:
            if time.monotonic() >= deadline or abandoned.is_set():
                prepared.append(_timeout(item.id, "deadline passed before this item was examined"))
                continue
            if self.drained.is_set():  # read from the preparing thread: a flag, nothing more
                prepared.append(_timeout(item.id, "server shut down before this item was examined"))
                continue
            try:
                prepared.append(self.scorer.prepare(item))
            except Exception as exc:
                logger.exception("preparing item %s failed", item.id)
                message = f"preparing failed: {type(exc).__name__}: {exc}"[:300]
                prepared.append(ScoreResult(id=item.id, status=ItemStatus.ERROR, error=message))
        return prepared

    async def _queue_and_wait(self, work: list[Work[P]], deadline: float) -> dict[str, ScoreResult]:
        try:
            self.batcher.submit(work)
        except NeverFits as exc:
            raise PayloadTooLarge(f"this request can never be queued: {exc}") from exc
        except QueueFull as exc:
            raise QueueFullError(str(exc), retry_after_s=self.settings.retry_after_s) from exc
        except Closed:
            # Admitted before the drain ended: its items still get a status each.
            return {w.id: _timeout(w.id, "server shut down before this item was scored") for w in work}
        futures = [w.future for w in work]
        try:
            await asyncio.wait(futures, timeout=max(0.0, deadline - time.monotonic()))
        finally:
            # Unfinished work is cancelled so the batcher skips it; a client disconnect lands here too.
            for future in futures:
                if not future.done():
                    future.cancel()
        return {
            w.id: _timeout(w.id, "deadline passed while scoring")
            if w.future.cancelled()
            else w.future.result()
            for w in work
        }


def _timeout(item_id: str, reason: str) -> ScoreResult:
    return ScoreResult(id=item_id, status=ItemStatus.TIMEOUT, error=reason)
