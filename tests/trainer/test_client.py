"""The reward client against real HTTP on loopback: the real outcome verifier and scripted upstreams.

No timing is asserted beyond lower bounds the client must wait for; every call that could hang is
bounded by `asyncio.wait_for`.
"""

from __future__ import annotations

import asyncio
import math
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import torch
from reward_proto import ScoreItem
from trust_grpo.client import ItemScore, RewardClient
from trust_grpo.metrics import TrainerMetrics

from tests.servers import RunningServer, free_port
from tests.trainer.fake_upstream import FakeUpstream, Reply, envelope
from tests.trainer.hostile_upstream import HostileUpstream

SAFETY_S = 5.0  # slack on top of a call's own deadline before a test calls it hung

StartUpstream = Callable[..., FakeUpstream]
StartHostile = Callable[..., HostileUpstream]


@pytest.fixture
def upstream() -> Iterator[StartUpstream]:
    """Start fake upstreams (keyword arguments of `FakeUpstream`); all stopped after the test."""
    started: list[FakeUpstream] = []

    def start(**kwargs: Any) -> FakeUpstream:
        server = FakeUpstream(**kwargs).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def hostile() -> Iterator[StartHostile]:
    """Start hostile upstreams (keyword arguments of `HostileUpstream`); all stopped after the test."""
    started: list[HostileUpstream] = []

    def start(**kwargs: Any) -> HostileUpstream:
        server = HostileUpstream(**kwargs)
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def numbered(*responses: str, prefix: str = "i") -> list[ScoreItem]:
    return [ScoreItem(id=f"{prefix}{k}", response=text) for k, text in enumerate(responses)]


def sample(metrics: TrainerMetrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}"  # bound once, then released: nobody listens


async def bounded(
    client: RewardClient, items: list[ScoreItem], timeout_s: float | None = None
) -> list[ItemScore]:
    budget = client.timeout_s if timeout_s is None else timeout_s
    return await asyncio.wait_for(client.score(items, timeout_s=timeout_s), budget + SAFETY_S)


def assert_failed(scores: list[ItemScore], status: str, reason_prefix: str) -> None:
    for item in scores:
        assert math.isnan(item.score), item
        assert item.status == status, item
        assert item.reason is not None, item
        assert item.reason.startswith(reason_prefix), item


# --- 1. the real outcome verifier -------------------------------------------------------------


async def test_scores_from_the_real_outcome_verifier(outcome_server: RunningServer) -> None:
    right = "<think>2+2=4</think><answer>4</answer>"
    wrong = "<think>2+2=5</think><answer>5</answer>"
    responses = [right, wrong, "4", right, wrong]  # "4": no answer tag, so wrong format
    items = [
        ScoreItem(id=f"r{k}", group_id="g", response=text, ground_truth="4")
        for k, text in enumerate(responses)
    ]
    metrics = TrainerMetrics()
    # two items a request: three requests whose results come back in input order
    async with RewardClient(
        outcome_server.url, max_items_per_request=2, metrics=metrics, timeout_s=30
    ) as client:
        scores = await bounded(client, items)
        group = await asyncio.wait_for(client.score_group(items), 30 + SAFETY_S)

    assert [s.id for s in scores] == [item.id for item in items]
    assert [s.score for s in scores] == [1.0, 0.0, 0.0, 1.0, 0.0]
    assert all(s.status == "ok" and s.reason is None for s in scores)
    assert scores[0].details is not None
    assert scores[0].details["extracted"] == "4"
    assert scores[2].details is not None
    assert scores[2].details["format_ok"] is False
    assert group.dtype == torch.float64
    assert group.tolist() == [1.0, 0.0, 0.0, 1.0, 0.0]
    assert sample(metrics, "trainer_client_requests_total", endpoint=outcome_server.url, outcome="ok") == 6


# --- 2. results matched by id -----------------------------------------------------------------


@pytest.mark.parametrize("order", ["reversed", "shuffled"])
async def test_results_are_matched_by_id_not_position(upstream: StartUpstream, order: str) -> None:
    server = upstream(order=order)
    responses = [str(k / 8) for k in range(8)]
    async with RewardClient(server.url) as client:
        scores = await bounded(client, numbered(*responses))
    assert [s.id for s in scores] == [f"i{k}" for k in range(8)]
    assert [s.score for s in scores] == [float(text) for text in responses]


async def test_missing_duplicated_and_failed_results_fail_only_their_items(upstream: StartUpstream) -> None:
    server = upstream(order="reversed", drop=["i1"], duplicate=["i2"], extra=["ghost"])
    async with RewardClient(server.url) as client:
        scores = await bounded(client, numbered("0.5", "0.5", "0.5", "fail", "0.25", "unscored"))
        group = await asyncio.wait_for(client.score_group(numbered("0.5", "0.5", "0.5")), client.timeout_s)

    assert [s.id for s in scores] == ["i0", "i1", "i2", "i3", "i4", "i5"]
    assert scores[0] == ItemScore("i0", 0.5, "ok", None, scores[0].details)
    assert_failed([scores[1]], "error", "missing")
    assert_failed([scores[2]], "error", "duplicate")
    assert_failed([scores[3]], "error", "error: judge failed")
    assert scores[4].score == 0.25
    assert_failed([scores[5]], "error", "bad result")
    assert group[0].item() == 0.5
    assert group[1:].isnan().all()
    assert server.calls == 2  # answered, so not retried


# --- 3. retries ---------------------------------------------------------------------------------


async def test_5xx_is_retried_and_counted(upstream: StartUpstream) -> None:
    server = upstream(script=[Reply(503), Reply(502)])
    metrics = TrainerMetrics()
    async with RewardClient(server.url, metrics=metrics, seed=0) as client:
        scores = await bounded(client, numbered("0.5", "1"))
    assert [s.score for s in scores] == [0.5, 1.0]
    assert server.calls == 3
    for reason in ("http_503", "http_502"):
        assert sample(metrics, "trainer_client_retries_total", endpoint=server.url, reason=reason) == 1


async def test_429_waits_for_retry_after(upstream: StartUpstream) -> None:
    server = upstream(script=[Reply(429, headers={"Retry-After": "1"})])
    metrics = TrainerMetrics()
    async with RewardClient(server.url, metrics=metrics) as client:
        scores = await bounded(client, numbered("0.75"))
    assert scores[0].score == 0.75
    assert server.calls == 2
    assert server.received_at[1] - server.received_at[0] >= 0.95  # it waited out Retry-After
    assert sample(metrics, "trainer_client_retries_total", endpoint=server.url, reason="http_429") == 1


async def test_retry_after_past_the_deadline_gives_up_at_once(upstream: StartUpstream) -> None:
    server = upstream(script=[Reply(429, headers={"Retry-After": "60"})])
    async with RewardClient(server.url, timeout_s=2.0) as client:
        scores = await bounded(client, numbered("0.5"))
        again = await bounded(client, numbered("0.5"))  # still inside the 60 s: not even sent
    assert_failed(scores, "error", "http 429: scripted: scripted 429")
    assert_failed(again, "error", "http 429")
    assert server.calls == 1


@pytest.mark.parametrize("value", ["inf", "nan", "-5", "1e3", "soon", "9" * 100])
async def test_a_garbage_retry_after_is_ignored(upstream: StartUpstream, value: str) -> None:
    # `inf` once held the replica for ever: every later call failed without being sent
    server = upstream(script=[Reply(429, headers={"Retry-After": value})])
    async with RewardClient(server.url, timeout_s=2.0, seed=0) as client:
        scores = await bounded(client, numbered("0.5"))
        again = await bounded(client, numbered("0.25"))
    assert [s.score for s in scores + again] == [0.5, 0.25]
    assert server.calls == 3


async def test_400_is_not_retried(upstream: StartUpstream) -> None:
    server = upstream(script=[Reply(400, body=envelope("malformed_request", "items: field required"))])
    metrics = TrainerMetrics()
    async with RewardClient(server.url, metrics=metrics) as client:
        scores = await bounded(client, numbered("0.5", "0.5"))
    assert_failed(scores, "error", "http 400: malformed_request: items: field required")
    assert server.calls == 1
    assert sample(metrics, "trainer_client_retries_total", endpoint=server.url, reason="http_400") == 0
    assert sample(metrics, "trainer_client_requests_total", endpoint=server.url, outcome="http_400") == 1


async def test_bearer_token_is_sent_and_401_is_not_retried(upstream: StartUpstream) -> None:
    server = upstream(api_key="secret")
    async with RewardClient(server.url) as anonymous:
        refused = await bounded(anonymous, numbered("0.5"))
    async with RewardClient(server.url, api_key="secret") as client:
        scores = await bounded(client, numbered("0.5"))
    assert_failed(refused, "error", "http 401: unauthorized")
    assert scores[0].score == 0.5
    assert server.authorization == [None, "Bearer secret"]


async def test_retries_stop_after_max_retries(upstream: StartUpstream) -> None:
    server = upstream(script=[Reply(503)] * 10)
    async with RewardClient(server.url, max_retries=2, backoff_base_s=0.01) as client:
        scores = await bounded(client, numbered("0.5"))
    assert_failed(scores, "error", "http 503: scripted: scripted 503")
    assert server.calls == 3


# --- 4. replicas: ejection and re-admission ---------------------------------------------------


async def test_dead_replica_is_ejected_then_readmitted(upstream: StartUpstream) -> None:
    good = upstream()
    dead = dead_url()
    metrics = TrainerMetrics()
    eject_for_s = 1.0
    client = RewardClient([dead, good.url], eject_after=3, eject_for_s=eject_for_s, metrics=metrics, seed=0)
    async with client:
        started = time.monotonic()
        for call in range(6):
            scores = await bounded(client, numbered("0.5", "0.25", prefix=f"c{call}-"))
            assert [s.score for s in scores] == [0.5, 0.25]
        assert good.calls == 6  # every item through the live replica
        assert sample(metrics, "trainer_client_ejections_total", endpoint=dead) >= 1
        revived = upstream(port=int(dead.rsplit(":", 1)[1]))
        # On a machine slow enough to outlast the ejection, the dead replica is tried again (and
        # ejected again) before it is revived; the exact counts hold only when it was not.
        quick = time.monotonic() - started < eject_for_s
        connects = sample(metrics, "trainer_client_requests_total", endpoint=dead, outcome="connect")
        if quick:  # ejected after its third failure in a row, it got nothing more
            assert connects == 3
            assert sample(metrics, "trainer_client_ejections_total", endpoint=dead) == 1
        assert sample(metrics, "trainer_client_retries_total", endpoint=dead, reason="connect") == connects

        for _ in range(100):  # once the ejection is over it gets traffic again
            scores = await bounded(client, numbered("1"))
            assert scores[0].score == 1.0
            if revived.calls:
                break
            await asyncio.sleep(0.05)
        assert revived.calls == 1
        for _ in range(4):  # readmitted for good: the two replicas share the calls
            await bounded(client, numbered("1"))
    assert revived.calls == 3
    if quick:
        assert sample(metrics, "trainer_client_ejections_total", endpoint=dead) == 1


async def test_when_all_are_ejected_the_first_to_return_gets_the_call(upstream: StartUpstream) -> None:
    first = upstream(script=[Reply(503)])
    second = upstream(script=[Reply(503)])
    metrics = TrainerMetrics()
    client = RewardClient(
        [first.url, second.url], eject_after=1, eject_for_s=60, max_retries=0, metrics=metrics
    )
    async with client:
        assert_failed(await bounded(client, numbered("1")), "error", "http 503")  # first ejected
        assert_failed(await bounded(client, numbered("1")), "error", "http 503")  # then second
        scores = [await bounded(client, numbered("1")) for _ in range(2)]
    assert [s[0].score for s in scores] == [1.0, 1.0]
    # the first one's ejection ends first, so it got the call and, answering, was readmitted
    assert (first.calls, second.calls) == (3, 1)
    assert sample(metrics, "trainer_client_ejections_total", endpoint=first.url) == 1


# --- 5. every replica down ----------------------------------------------------------------------


@pytest.mark.parametrize("max_retries", [4, 1000])
async def test_every_replica_down_gives_nan_unreachable(max_retries: int) -> None:
    endpoints = [dead_url(), dead_url()]
    metrics = TrainerMetrics()
    client = RewardClient(
        endpoints, timeout_s=2.0, max_retries=max_retries, backoff_max_s=0.2, metrics=metrics
    )
    async with client:
        # with 1000 retries allowed it is the deadline that stops it
        scores = await bounded(client, numbered("0.5", "0.5", "0.5"))
    assert_failed(scores, "error", "unreachable: ConnectError")
    retries = sum(
        sample(metrics, "trainer_client_retries_total", endpoint=url, reason="connect") for url in endpoints
    )
    assert retries >= min(max_retries, 4)
    assert client.outstanding() == dict.fromkeys(endpoints, 0)


# --- 6. least-outstanding routing ---------------------------------------------------------------


async def test_least_outstanding_sends_more_to_the_fast_replica(upstream: StartUpstream) -> None:
    slow = upstream(delay_s=0.3)
    fast = upstream()
    async with RewardClient([slow.url, fast.url]) as client:

        async def worker(name: str) -> None:
            for call in range(8):
                scores = await bounded(client, numbered("0.5", prefix=f"{name}-{call}-"))
                assert scores[0].score == 0.5

        await asyncio.gather(*(worker(f"w{k}") for k in range(8)))
        assert client.outstanding() == {slow.url: 0, fast.url: 0}
    assert slow.calls + fast.calls == 64
    assert slow.calls >= 1
    assert fast.calls > 2 * slow.calls


async def test_outstanding_counts_requests_in_flight(upstream: StartUpstream) -> None:
    slow = upstream(delay_s=1.0)
    async with RewardClient(slow.url) as client:
        call = asyncio.create_task(bounded(client, numbered("0.5")))
        for _ in range(200):
            if slow.in_flight:
                break
            await asyncio.sleep(0.01)
        assert client.outstanding() == {slow.url: 1}
        assert (await call)[0].score == 0.5
        assert client.outstanding() == {slow.url: 0}


# --- 7. deadline --------------------------------------------------------------------------------


async def test_a_hung_replica_gives_timeouts_by_the_deadline(upstream: StartUpstream) -> None:
    hung = upstream(delay_s=30)
    async with RewardClient(hung.url, timeout_s=60) as client:
        scores = await bounded(client, numbered("0.5", "0.5"), timeout_s=1.0)
    assert_failed(scores, "timeout", "timeout")
    assert hung.calls == 1  # no time left to retry
    assert 0 < hung.bodies[0]["deadline_ms"] <= 1000  # the server was told what remained


# --- 8. a hung replica: capped attempts --------------------------------------------------------


@pytest.mark.parametrize("hang", ["frozen", "asleep"])
async def test_a_hung_replica_costs_a_capped_attempt_and_its_items_fail_over(
    upstream: StartUpstream, hostile: StartHostile, hang: str
) -> None:
    # frozen: its event loop is blocked (the kernel still takes the requests); asleep: it answers far too late
    hung = hostile(mode="frozen") if hang == "frozen" else upstream(delay_s=600)
    good = upstream()
    metrics = TrainerMetrics()
    client = RewardClient(
        [hung.url, good.url],
        timeout_s=6.0,
        eject_after=1,
        eject_for_s=0.5,
        max_items_per_request=1,  # four concurrent requests a call, shared by both replicas
        metrics=metrics,
    )
    assert client.attempt_cap() == 3.0  # half the deadline: room for one failover
    async with client:
        for call in range(3):
            if call == 2:
                await asyncio.sleep(1.0)  # past the ejection: the hung replica gets traffic again
            scores = await bounded(client, numbered("0.5", "0.25", "1", "0", prefix=f"c{call}-"))
            assert [(s.status, s.score) for s in scores] == [
                ("ok", 0.5),
                ("ok", 0.25),
                ("ok", 1.0),
                ("ok", 0.0),
            ]
        assert client.outstanding() == {hung.url: 0, good.url: 0}
    # every one of the hung replica's attempts ended at its cap, in the first call and after the ejection
    timeouts = sample(metrics, "trainer_client_requests_total", endpoint=hung.url, outcome="timeout")
    assert timeouts >= 2
    assert sample(metrics, "trainer_client_ejections_total", endpoint=hung.url) >= 2
    assert sample(metrics, "trainer_client_retries_total", endpoint=hung.url, reason="timeout") == timeouts
    assert good.calls == 12
    assert hung.calls >= 1
    assert all(0 < body["deadline_ms"] <= 3000 for body in hung.bodies + good.bodies)  # the attempt's budget


async def test_after_a_capped_attempt_only_the_items_it_timed_out_are_retried_elsewhere(
    upstream: StartUpstream, hostile: StartHostile
) -> None:
    slow = hostile(mode="slow_items")  # answers, but with `timeout` for the `slow` items
    fast = upstream()
    metrics = TrainerMetrics()
    items = numbered("0.5", "0.25", "1")
    items[1] = ScoreItem(id="i1", group_id="slow", response="0.25")
    async with RewardClient([slow.url, fast.url], timeout_s=6.0, metrics=metrics) as client:
        scores = await bounded(client, items)  # the first request goes to the first replica
    assert [(s.status, s.score) for s in scores] == [("ok", 0.5), ("ok", 0.25), ("ok", 1.0)]
    assert slow.calls == 1
    assert [[item["id"] for item in body["items"]] for body in fast.bodies] == [["i1"]]
    # the cap, then what was left of the deadline (less than the cap)
    assert 0 < fast.bodies[0]["deadline_ms"] <= slow.bodies[0]["deadline_ms"] <= 3000
    assert sample(metrics, "trainer_client_retries_total", endpoint=slow.url, reason="item_timeout") == 1
    assert sample(metrics, "trainer_client_requests_total", endpoint=slow.url, outcome="ok") == 1


async def test_timed_out_items_are_final_when_the_attempt_had_the_whole_deadline(
    hostile: StartHostile,
) -> None:
    slow = hostile(mode="slow_items")
    items = [ScoreItem(id="a", response="0.5"), ScoreItem(id="b", group_id="slow", response="0.5")]
    async with RewardClient(slow.url, timeout_s=2.0) as client:  # one replica: no cap
        assert client.attempt_cap() == 2.0
        scores = await bounded(client, items)
    assert scores[0].score == 0.5
    assert_failed([scores[1]], "timeout", "timeout: deadline passed while scoring")
    assert slow.calls == 1


# --- 9. bounded responses ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "size"),
    [
        ("huge", 300 * 1024 * 1024),  # streamed without a length
        ("declared", 4 * 1024 * 1024),  # with its Content-Length
        ("bomb", 256 * 1024 * 1024),  # about 0.25 MB of gzip
    ],
)
async def test_an_oversized_response_fails_its_items_in_bounded_memory(
    upstream: StartUpstream, hostile: StartHostile, mode: str, size: int
) -> None:
    cap = 1024 * 1024
    bad = hostile(mode=mode, size=size)
    good = upstream()
    metrics = TrainerMetrics()
    async with RewardClient(bad.url, max_response_bytes=cap, timeout_s=60, metrics=metrics) as client:
        tracemalloc.start()
        try:
            scores = await bounded(client, numbered("0.5", "0.25"))
            peak = tracemalloc.get_traced_memory()[1]  # both threads: the client and the server
        finally:
            tracemalloc.stop()
    assert_failed(scores, "error", f"too large: the response passed max_response_bytes ({cap} bytes)")
    assert peak < 16 * cap
    assert bad.calls == 1  # not sent again to the replica that answered it
    assert bad.accept_encoding == ["identity"]
    assert sample(metrics, "trainer_client_requests_total", endpoint=bad.url, outcome="too_large") == 1

    async with RewardClient([bad.url, good.url], max_response_bytes=cap, metrics=metrics) as client:
        for call in range(3):  # the first goes to the bad replica first, then on to the good one
            scores = await bounded(client, numbered("0.5", "0.25", prefix=f"c{call}-"))
            assert [s.score for s in scores] == [0.5, 0.25]
    assert bad.calls >= 2
    assert sample(metrics, "trainer_client_retries_total", endpoint=bad.url, reason="too_large") >= 1


async def test_a_compressed_answer_under_the_cap_is_read(hostile: StartHostile) -> None:
    server = hostile(mode="gzipped")  # compresses although asked not to
    async with RewardClient(server.url, max_response_bytes=4096) as client:
        scores = await bounded(client, numbered("0.5", "0.25"))
    assert [(s.status, s.score) for s in scores] == [("ok", 0.5), ("ok", 0.25)]


# --- 10. items that cannot be sent --------------------------------------------------------------


async def test_an_unencodable_item_fails_alone(upstream: StartUpstream) -> None:
    server = upstream()
    items = numbered("0.5", "0.25", "1")
    items[1] = ScoreItem(id="i1", response="0.25\ud800")  # a lone surrogate: no UTF-8 for it
    async with RewardClient(server.url) as client:
        scores = await bounded(client, items)
        alone = await bounded(client, [ScoreItem(id="x", response="1", ground_truth="\udfff")])
    assert [s.score for s in (scores[0], scores[2])] == [0.5, 1.0]
    assert_failed([scores[1], alone[0]], "invalid", "invalid: not encodable as UTF-8 JSON")
    assert "surrogates not allowed" in (scores[1].reason or "")
    assert server.calls == 1  # the call of nothing but an unencodable item sent nothing
    assert [item["id"] for item in server.bodies[0]["items"]] == ["i0", "i2"]


# --- chunking and arguments ---------------------------------------------------------------------


async def test_large_lists_go_in_concurrent_chunks(upstream: StartUpstream) -> None:
    server = upstream(delay_s=0.2, order="shuffled")
    responses = [str(k / 10) for k in range(10)]
    async with RewardClient(server.url, max_items_per_request=3) as client:
        scores = await bounded(client, numbered(*responses))
    assert [s.score for s in scores] == [float(text) for text in responses]
    assert sorted(len(body["items"]) for body in server.bodies) == [1, 3, 3, 3]
    assert server.max_in_flight >= 2


async def test_arguments() -> None:
    url = dead_url()
    client = RewardClient(f"{url}/, {url}1")
    assert client.endpoints == [url, f"{url}1"]
    assert await client.score([]) == []
    with pytest.raises(ValueError, match="duplicate item ids"):
        await client.score([ScoreItem(id="a", response="1"), ScoreItem(id="a", response="2")])
    await client.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await client.score(numbered("1"))
    with pytest.raises(ValueError, match="duplicate reward endpoints"):
        RewardClient([url, url + "/"])
    with pytest.raises(ValueError, match="at least one"):
        RewardClient([])
    with pytest.raises(ValueError, match="attempt_timeout_s"):
        RewardClient(url, attempt_timeout_s=0)
    with pytest.raises(ValueError, match="max_response_bytes"):
        RewardClient(url, max_response_bytes=0)
    capped = RewardClient([url, f"{url}1"], timeout_s=10, attempt_timeout_s=4)
    assert (capped.attempt_cap(), capped.attempt_cap(3)) == (4, 3)
    await capped.aclose()
