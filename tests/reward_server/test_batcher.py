"""The batcher with a fake engine: batch closing rules, groups, bounds, deadlines, failures."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import pytest
from reward_proto import ItemStatus, ScoreResult
from reward_server.batcher import Batcher, Closed, NeverFits, QueueFull, Work
from reward_server.config import Batching


class FakeEngine:
    """Records every batch; can block until released, or fail batches that contain `poison`."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def __call__(self, batch: Sequence[Work[None]]) -> None:
        self.batches.append([work.id for work in batch])
        await self.gate.wait()
        if any(work.id.startswith("poison") for work in batch):
            raise RuntimeError("engine exploded")
        for work in batch:
            if not work.id.startswith("forgotten"):
                work.future.set_result(ScoreResult(id=work.id, status=ItemStatus.OK, score=0.5))


def one_at_a_time(
    max_queue_items: int = 16_384, max_queue_tokens: int = 8_000_000
) -> tuple[FakeEngine, Batcher[None]]:
    """A started batcher that runs one single-item batch at a time on an engine held closed
    (open it with `engine.gate.set()`)."""
    engine = FakeEngine()
    engine.gate.clear()
    limits = Batching(
        max_batch_items=1,
        max_concurrent_batches=1,
        max_queue_items=max_queue_items,
        max_queue_tokens=max_queue_tokens,
    )
    batcher = Batcher(engine, limits)
    batcher.start()
    return engine, batcher


def make_work(
    item_id: str, *, tokens: int = 1, group: str | None = None, deadline_s: float = 60.0
) -> Work[None]:
    loop = asyncio.get_running_loop()
    return Work(item_id, None, tokens, group, time.monotonic() + deadline_s, loop.create_future())


async def results(works: Sequence[Work[None]]) -> list[ScoreResult]:
    return list(await asyncio.wait_for(asyncio.gather(*(w.future for w in works)), 10))


async def test_batch_closes_at_max_items() -> None:
    engine = FakeEngine()
    batcher = Batcher(engine, Batching(max_batch_items=4, max_wait_ms=10_000))
    batcher.start()
    works = [make_work(str(i)) for i in range(10)]
    batcher.submit(works)
    await results(works[:8])
    assert engine.batches[:2] == [["0", "1", "2", "3"], ["4", "5", "6", "7"]]
    await batcher.close(drain_timeout_s=5)
    assert [r.status for r in await results(works)] == [ItemStatus.OK] * 10


async def test_batch_closes_at_max_tokens() -> None:
    engine = FakeEngine()
    batcher = Batcher(engine, Batching(max_batch_tokens=100, max_wait_ms=10_000))
    batcher.start()
    works = [make_work(str(i), tokens=40) for i in range(3)]
    batcher.submit(works)
    await results(works[:2])
    assert engine.batches[0] == ["0", "1"]
    await batcher.close(drain_timeout_s=5)


async def test_batch_closes_after_max_wait() -> None:
    engine = FakeEngine()
    batcher = Batcher(engine, Batching(max_batch_items=100, max_wait_ms=20))
    batcher.start()
    works = [make_work("only")]
    batcher.submit(works)
    assert (await results(works))[0].status is ItemStatus.OK
    assert engine.batches == [["only"]]
    await batcher.close(drain_timeout_s=5)


async def test_group_members_stay_together_and_are_not_split() -> None:
    engine = FakeEngine()
    batcher = Batcher(engine, Batching(max_batch_items=4, max_wait_ms=10_000))
    batcher.start()
    # Interleaved on the wire; the batcher puts each group's members next to each other.
    works = [make_work(f"{g}{i}", group=g) for i in range(3) for g in ("a", "b")]
    batcher.submit(works)
    await batcher.close(drain_timeout_s=5)
    await results(works)
    assert engine.batches == [["a0", "a1", "a2"], ["b0", "b1", "b2"]]


async def test_full_queue_refuses_the_whole_submission() -> None:
    engine, batcher = one_at_a_time(max_queue_items=3)
    first = [make_work("busy")]
    batcher.submit(first)
    await asyncio.sleep(0.05)  # "busy" is now inside the engine, out of the queue
    batcher.submit([make_work("q1"), make_work("q2")])
    with pytest.raises(QueueFull):
        batcher.submit([make_work("q3"), make_work("q4")])
    assert batcher.depth_items == 3  # the one in the engine counts until it is answered
    engine.gate.set()
    await batcher.close(drain_timeout_s=5)


async def test_token_bound_refuses_too() -> None:
    engine, batcher = one_at_a_time(max_queue_tokens=10)
    batcher.submit([make_work("busy", tokens=1)])
    await asyncio.sleep(0.05)
    batcher.submit([make_work("q1", tokens=6)])
    with pytest.raises(QueueFull):
        batcher.submit([make_work("q2", tokens=6)])  # fits once the queue drains: retry later
    engine.gate.set()
    await batcher.close(drain_timeout_s=5)


async def test_work_that_could_never_fit_is_told_so() -> None:
    """Past the bound on an empty queue: not `QueueFull`, which would tell the client to retry."""
    batcher = Batcher(FakeEngine(), Batching(max_queue_items=3, max_queue_tokens=10))
    batcher.start()
    with pytest.raises(NeverFits, match="max_queue_tokens"):
        batcher.submit([make_work("big", tokens=11)])
    with pytest.raises(NeverFits, match="max_queue_items"):
        batcher.submit([make_work(f"w{n}") for n in range(4)])
    assert batcher.depth_items == 0
    await batcher.close(drain_timeout_s=5)


async def test_expired_items_are_answered_timeout_at_dequeue() -> None:
    engine, batcher = one_at_a_time()
    blocker = make_work("blocker")
    expiring = make_work("expiring", deadline_s=0.01)
    batcher.submit([blocker])
    await asyncio.sleep(0.05)
    batcher.submit([expiring])
    await asyncio.sleep(0.05)
    engine.gate.set()
    outcome = await results([blocker, expiring])
    assert [r.status for r in outcome] == [ItemStatus.OK, ItemStatus.TIMEOUT]
    assert ["expiring"] not in engine.batches
    await batcher.close(drain_timeout_s=5)


async def test_a_failing_batch_fails_only_its_items_and_the_loop_survives() -> None:
    engine = FakeEngine()
    batcher = Batcher(engine, Batching(max_batch_items=2, max_wait_ms=20))
    batcher.start()
    works = [make_work("poison"), make_work("x"), make_work("y"), make_work("z")]
    batcher.submit(works)
    outcome = await results(works)
    assert [r.status for r in outcome] == [ItemStatus.ERROR, ItemStatus.ERROR, ItemStatus.OK, ItemStatus.OK]
    assert "engine exploded" in (outcome[0].error or "")
    later = [make_work("after")]
    batcher.submit(later)
    assert (await results(later))[0].status is ItemStatus.OK
    await batcher.close(drain_timeout_s=5)


async def test_an_item_the_engine_leaves_unanswered_is_an_error_not_a_score() -> None:
    engine = FakeEngine()
    batcher = Batcher(engine, Batching(max_batch_items=2, max_wait_ms=20))
    batcher.start()
    works = [make_work("forgotten"), make_work("kept")]
    batcher.submit(works)
    forgotten, kept = await results(works)
    assert (forgotten.status, forgotten.score) == (ItemStatus.ERROR, None)
    assert "without a result" in (forgotten.error or "")
    assert kept.status is ItemStatus.OK
    await batcher.close(drain_timeout_s=5)


async def test_cancelled_items_are_skipped() -> None:
    engine, batcher = one_at_a_time()
    blocker, abandoned = make_work("blocker"), make_work("abandoned")
    batcher.submit([blocker, abandoned])
    await asyncio.sleep(0.05)
    abandoned.future.cancel()
    engine.gate.set()
    await results([blocker])
    await batcher.close(drain_timeout_s=5)
    assert engine.batches == [["blocker"]]


async def test_close_drains_then_refuses_new_work() -> None:
    engine = FakeEngine()
    batcher = Batcher(engine, Batching(max_batch_items=2, max_wait_ms=10_000))
    batcher.start()
    works = [make_work(str(i)) for i in range(5)]
    batcher.submit(works)
    await batcher.close(drain_timeout_s=5)
    assert all(r.status is ItemStatus.OK for r in await results(works))
    with pytest.raises(Closed):
        batcher.submit([make_work("late")])


async def test_close_times_out_what_it_cannot_finish() -> None:
    _, batcher = one_at_a_time()
    works = [make_work("stuck"), make_work("queued")]
    batcher.submit(works)
    await asyncio.sleep(0.05)
    await batcher.close(drain_timeout_s=0.1)
    assert [r.status for r in await results(works)] == [ItemStatus.TIMEOUT, ItemStatus.TIMEOUT]
