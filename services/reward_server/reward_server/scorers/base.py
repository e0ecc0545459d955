"""The interface between the service layer and a scorer."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from reward_proto import ItemStatus, ScoreItem, ScoreResult, ScorerName

if TYPE_CHECKING:
    from reward_server.config import Settings
    from reward_server.metrics import ServerMetrics


@dataclass(frozen=True, slots=True)
class Prepared:
    """An item the scorer accepted, with what it computed up front."""

    item: ScoreItem
    tokens: int
    group_key: str | None
    cache_key: str | None
    payload: object = None


class Scorer(Protocol):
    name: ScorerName
    model: str
    model_version: str
    # True when the engine shares its own workers fairly between requests (the verifier's pool):
    # the batcher then hands it every admitted item at once instead of a few batches at a time.
    queues_fairly: bool

    @property
    def ready(self) -> bool: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def prepare(self, item: ScoreItem) -> Prepared | ScoreResult:
        """Validate one item and do its cheap work; a `ScoreResult` here answers it at once.
        Runs off the event loop for large requests, so it must not touch shared mutable state."""
        ...

    async def score_batch(
        self,
        batch: Sequence[Prepared],
        deadlines: Sequence[float],
        origins: Sequence[Hashable],
        answers: Sequence[asyncio.Future[ScoreResult]] | None = None,
    ) -> list[ScoreResult]:
        """One result per prepared item, in order. `deadlines` are `time.monotonic()` values;
        `origins` name the request of each item, for a scorer that shares workers fairly.
        A scorer that finishes items at different times sets each item's result on its future in
        `answers` as soon as it is done, so that one slow item does not hold back the others; a
        future that is cancelled means nobody waits for that item any more (stop working on it)."""
        ...


def invalid(item_id: str, reason: str) -> ScoreResult:
    return ScoreResult(id=item_id, status=ItemStatus.INVALID, error=reason)


def build_scorer(settings: Settings, metrics: ServerMetrics) -> Scorer:
    """The scorer named by `settings.scorer`."""
    if settings.scorer is ScorerName.OUTCOME:
        from reward_server.scorers.outcome import OutcomeScorer

        return OutcomeScorer(settings, metrics)
    from reward_server.scorers.thinking import ThinkingScorer, build_judge
    from reward_server.scorers.thinking.scorer import ItemLimits

    limits = ItemLimits(
        max_response_chars=settings.max_response_chars,
        max_question_chars=settings.max_question_chars,
        max_image_bytes=settings.max_image_bytes,
        max_image_pixels=settings.max_image_pixels,
    )
    return ThinkingScorer(
        build_judge(settings), metrics, limits, zero_judge_directed=settings.zero_judge_directed
    )
