"""The scoring service: limits, cache, batching and deadlines around a scorer. No HTTP here."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from reward_proto import ItemStatus, ScoreRequest, ScoreResponse, ScoreResult

from reward_server.batcher import Batcher, BatchLimits, Closed, QueueFull, Work
from reward_server.cache import LRUCache
from reward_server.config import Settings
from reward_server.errors import NotReady, PayloadTooLarge, QueueFullError
from reward_server.metrics import ServerMetrics
from reward_server.scorers import Prepared, Scorer


class ScoringService:
    """Answers a `ScoreRequest` with exactly one result per item, matched by id."""

    def __init__(self, scorer: Scorer, settings: Settings, metrics: ServerMetrics) -> None:
        self.scorer = scorer
        self.settings = settings
        self.metrics = metrics
        self.cache: LRUCache[ScoreResult] = LRUCache(settings.cache_entries)
        self.batcher = Batcher(
            self._process_batch,
            BatchLimits(
                max_batch_items=settings.max_batch_items,
                max_batch_tokens=settings.max_batch_tokens,
                max_wait_ms=settings.max_wait_ms,
                max_concurrent_batches=settings.max_concurrent_batches,
                max_queue_items=settings.max_queue_items,
                max_queue_tokens=settings.max_queue_tokens,
            ),
            observer=metrics,
        )

    async def start(self) -> None:
        await self.scorer.start()
        self.batcher.start()

    async def close(self) -> None:
        await self.batcher.close(self.settings.shutdown_timeout_s)
        await self.scorer.close()

    def readiness(self) -> str | None:
        """None when ready, else why not."""
        if not self.batcher.accepting:
            return "shutting down"
        if not self.scorer.ready:
            return "engine not loaded"
        high_water = self.settings.ready_high_water
        if self.batcher.depth_items > high_water * self.settings.max_queue_items:
            return f"queue above {high_water:.0%} of its item bound"
        if self.batcher.depth_tokens > high_water * self.settings.max_queue_tokens:
            return f"queue above {high_water:.0%} of its token bound"
        return None

    async def score(self, request: ScoreRequest) -> ScoreResponse:
        settings = self.settings
        if len(request.items) > settings.max_items_per_request:
            raise PayloadTooLarge(
                f"{len(request.items)} items in one request (limit {settings.max_items_per_request})"
            )
        if not self.batcher.accepting:
            raise NotReady("the server is shutting down")
        deadline = time.monotonic() + (request.deadline_ms or settings.default_deadline_ms) / 1000
        if settings.added_latency_ms:
            # Per request, not per engine batch: items the scorer settles in `prepare` (the
            # verifier's fast path, the rules judge) never reach a batch but must pay it too.
            await asyncio.sleep(settings.added_latency_ms / 1000)
        results: dict[str, ScoreResult] = {}
        work: list[Work] = []
        loop = asyncio.get_running_loop()
        for item in request.items:
            prepared = self.scorer.prepare(item)
            if isinstance(prepared, ScoreResult):
                results[item.id] = prepared
                continue
            cached = self.cache.get(prepared.cache_key) if prepared.cache_key else None
            if cached is not None:
                self.metrics.cache_hits.inc()
                results[item.id] = cached.model_copy(update={"id": item.id})
                continue
            work.append(
                Work(
                    item.id,
                    prepared,
                    prepared.tokens,
                    prepared.group_key,
                    deadline,
                    loop.create_future(),
                )
            )
        if work:
            try:
                self.batcher.submit(work)
            except QueueFull as exc:
                raise QueueFullError(str(exc), retry_after_s=settings.retry_after_s) from exc
            except Closed as exc:
                raise NotReady(str(exc)) from exc
            await self._await_results(work, deadline, results)
        ordered = [results[item.id] for item in request.items]
        for result in ordered:
            self.metrics.observe_item(result.status.value, result.score)
        return ScoreResponse(
            scorer=self.scorer.name,
            model=self.scorer.model,
            model_version=self.scorer.model_version,
            results=ordered,
        )

    async def _await_results(
        self, work: list[Work], deadline: float, results: dict[str, ScoreResult]
    ) -> None:
        futures = [w.future for w in work]
        try:
            await asyncio.wait(futures, timeout=max(0.0, deadline - time.monotonic()))
        finally:
            # Unfinished work is cancelled so the batcher skips it; a client disconnect lands here too.
            for future in futures:
                if not future.done():
                    future.cancel()
        for w in work:
            if w.future.cancelled():
                results[w.id] = ScoreResult(
                    id=w.id, status=ItemStatus.TIMEOUT, error="deadline passed while scoring"
                )
                continue
            result = w.future.result()
            results[w.id] = result
            prepared = w.payload
            if result.status is ItemStatus.OK and isinstance(prepared, Prepared) and prepared.cache_key:
                self.cache.put(prepared.cache_key, result)

    async def _process_batch(self, batch: Sequence[Work]) -> list[ScoreResult]:
        prepared = [w.payload for w in batch]
        assert all(isinstance(p, Prepared) for p in prepared)

        def settle(index: int, result: ScoreResult) -> None:
            if not batch[index].future.done():
                batch[index].future.set_result(result)

        return await self.scorer.score_batch(
            prepared,  # type: ignore[arg-type]
            [w.deadline for w in batch],
            on_result=settle,
        )
