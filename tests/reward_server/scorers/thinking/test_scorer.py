"""The thinking scorer with a fake judge: one result channel, misaligned judges, abandoned items."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import pytest
from reward_proto import ItemStatus, ScoreItem
from reward_server.batcher import Batcher, Work
from reward_server.config import Batching, RequestLimits
from reward_server.metrics import ServerMetrics
from reward_server.scorers import Prepared
from reward_server.scorers.thinking import ThinkingScorer
from reward_server.scorers.thinking.judge import JudgeInput, JudgeOutcome


class FakeJudge:
    model = "fake"
    model_version = "fake-v1"
    ready = True

    def __init__(self, *, drop_last: bool = False) -> None:
        self.drop_last = drop_last

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def judge(self, inputs: Sequence[JudgeInput]) -> list[JudgeOutcome]:
        outcomes = [JudgeOutcome(score=0.5, method="parsed", raw="0.5", prompt_tokens=10) for _ in inputs]
        return outcomes[:-1] if self.drop_last else outcomes


def work_for(scorer: ThinkingScorer, item_id: str) -> Work[JudgeInput]:
    prepared = scorer.prepare(ScoreItem(id=item_id, response="<think>2+2=4</think><answer>4</answer>"))
    assert isinstance(prepared, Prepared)
    future = asyncio.get_running_loop().create_future()
    return Work(item_id, prepared.payload, prepared.tokens, None, time.monotonic() + 60, future)


def prompt_tokens(metrics: ServerMetrics) -> float:
    value = metrics.registry.get_sample_value("reward_judge_prompt_tokens_total", {"scorer": "thinking"})
    assert value is not None
    return value


async def test_a_judge_that_returns_too_few_outcomes_fails_the_whole_batch() -> None:
    scorer = ThinkingScorer(FakeJudge(drop_last=True), ServerMetrics("thinking"), RequestLimits())
    batcher = Batcher(scorer.score_batch, Batching(max_wait_ms=10_000, max_batch_items=3))
    batcher.start()
    works = [work_for(scorer, name) for name in "abc"]
    batcher.submit(works)
    results = await asyncio.wait_for(asyncio.gather(*(w.future for w in works)), 10)
    assert [r.status for r in results] == [ItemStatus.ERROR] * 3
    assert all(r.score is None and "2 outcomes for 3 items" in (r.error or "") for r in results)
    await batcher.close(drain_timeout_s=5)


async def test_judge_work_for_an_abandoned_item_is_still_counted() -> None:
    metrics = ServerMetrics("thinking")
    scorer = ThinkingScorer(FakeJudge(), metrics, RequestLimits())
    kept, abandoned = work_for(scorer, "kept"), work_for(scorer, "gone")
    abandoned.future.cancel()
    await scorer.score_batch([kept, abandoned])
    assert kept.future.result().score == pytest.approx(0.5)
    assert prompt_tokens(metrics) == 20
