"""The interface between the service layer and a scorer (docs/architecture.md, Parts)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from reward_proto import ItemStatus, ScoreItem, ScoreResult, ScorerName

from reward_server.batcher import Work

P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class Prepared(Generic[P]):
    """An item the scorer accepted: its size, its group, its cache key, and the `payload` the
    scorer computed up front and gets back in `score_batch`."""

    tokens: int
    group_key: str | None
    cache_key: str | None
    payload: P


class Scorer(Protocol[P]):
    """Turns items into engine work (`prepare`) and engine output into results (`score_batch`)."""

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

    def prepare(self, item: ScoreItem) -> Prepared[P] | ScoreResult:
        """Validate one item and do its cheap work; a `ScoreResult` here answers it at once.
        Runs off the event loop for large requests, so it must not touch shared mutable state."""
        ...

    async def score_batch(self, batch: Sequence[Work[P]]) -> None:
        """Set each item's result on its future as soon as it is done, so that one slow item does
        not hold back the others. `deadline` is a `time.monotonic()` value; `origin` names the
        request, for a scorer that shares workers fairly; a cancelled future means nobody waits for
        that item any more (stop working on it). Items left unset on return are answered `error`."""
        ...


def invalid(item_id: str, reason: str) -> ScoreResult:
    return ScoreResult(id=item_id, status=ItemStatus.INVALID, error=reason)
