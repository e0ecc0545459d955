"""DNS discovery in the reward client: `dns+http://NAME:PORT` is one replica per address of NAME.

Real outcome verifiers listen on one port at 127.0.0.1, 127.0.0.2 and 127.0.0.3 (on Linux every
127.x.y.z is loopback) and a fake resolver says which of them the name has; `localhost` goes through
the real `getaddrinfo`. What the real server cannot show (the Host header it was sent, a request
held in flight) comes from a small HTTP responder in the test's own event loop. No timing is
asserted: a refresh is driven by `refresh()`, or by a tiny `dns_refresh_s` and the calls after it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import json
import logging
import math
import socket
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from reward_proto import ScoreItem
from trust_grpo.client import MAX_REPLICAS_PER_NAME, ItemScore, RewardClient, split_endpoints
from trust_grpo.config import TrustGRPOConfig
from trust_grpo.metrics import TrainerMetrics
from trust_grpo.remote import RemoteReward

from tests.servers import RunningServer, free_port, start_server
from tests.trainer.trust_cases import CPU_RUN

SAFETY_S = 5.0  # slack on top of a call's own deadline before a test calls it hung
RIGHT = "<think>2+2=4</think><answer>4</answer>"
NAME = "reward.test"


class FakeResolver:
    """Answers every question with `answer` (addresses, or an exception it raises); records them."""

    def __init__(self, answer: Iterable[object] | BaseException) -> None:
        self.answer = answer
        self.questions: list[tuple[str, int]] = []

    async def __call__(self, host: str, port: int) -> Iterable[object]:
        self.questions.append((host, port))
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


class Responder:
    """A minimal HTTP/1.1 reward upstream on one address: it records each request's Host header,
    counts its open connections, and scores every item 1.0 (once `hold` is set, if given)."""

    def __init__(self, hold: asyncio.Event | None = None) -> None:
        self.hold = hold
        self.hosts: list[str | None] = []
        self.received = asyncio.Event()
        self.connections = 0
        self.url = ""

    async def start(self, host: str, port: int = 0) -> asyncio.Server:
        server = await asyncio.start_server(self._serve, host, port)
        self.url = f"http://{host}:{server.sockets[0].getsockname()[1]}"
        return server

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                fields = (line.partition(":") for line in head[1:] if line)
                headers = {key.strip().lower(): value.strip() for key, _, value in fields}
                body = json.loads(await reader.readexactly(int(headers["content-length"])))
                self.hosts.append(headers.get("host"))
                self.received.set()
                if self.hold is not None:
                    await self.hold.wait()
                results = [{"id": item["id"], "status": "ok", "score": 1.0} for item in body["items"]]
                payload = json.dumps({"results": results}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n")
                writer.write(b"content-length: %d\r\n\r\n%b" % (len(payload), payload))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client closed the connection
        finally:
            self.connections -= 1
            writer.close()


class Body(httpx.AsyncByteStream):
    def __init__(self, data: bytes) -> None:
        self.data = data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.data


@asynccontextmanager
async def responders(*hosts: str, hold: asyncio.Event | None = None) -> AsyncIterator[list[Responder]]:
    """One `Responder` per host, all on one port; the first one holds its answers until `hold`."""
    started: list[Responder] = []
    servers: list[asyncio.Server] = []
    port = 0
    try:
        for index, host in enumerate(hosts):
            responder = Responder(hold if index == 0 else None)
            servers.append(await responder.start(host, port))
            port = servers[0].sockets[0].getsockname()[1]
            started.append(responder)
        yield started
    finally:
        for server in servers:
            server.close()


@pytest.fixture(scope="module")
def verifiers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[RunningServer]]:
    """Three real outcome verifiers on one port, at 127.0.0.1, 127.0.0.2 and 127.0.0.3."""
    directory = tmp_path_factory.mktemp("verifiers")
    port = free_port()
    hosts = [f"127.0.0.{k}" for k in (1, 2, 3)]
    with ThreadPoolExecutor(len(hosts)) as pool:
        futures = [
            pool.submit(
                start_server, directory, "--scorer", "outcome", "--verifier-workers", "1", host=h, port=port
            )
            for h in hosts
        ]
    servers = [future.result() for future in futures if future.exception() is None]
    try:
        if len(servers) < len(hosts):
            raise next(exc for future in futures if (exc := future.exception()) is not None)
        yield servers
    finally:
        for server in servers:
            server.stop()


def items(count: int, prefix: str = "i") -> list[ScoreItem]:
    return [ScoreItem(id=f"{prefix}{k}", response=RIGHT, ground_truth="4") for k in range(count)]


def sent(metrics: TrainerMetrics, endpoint: str, outcome: str = "ok") -> float:
    labels = {"endpoint": endpoint, "outcome": outcome}
    return metrics.registry.get_sample_value("trainer_client_requests_total", labels) or 0.0


def served(server: RunningServer) -> float:
    """Score requests the server itself counted (its /metrics)."""
    families = text_string_to_metric_families(server.client.get("/metrics").text)
    return sum(
        sample.value
        for family in families
        for sample in family.samples
        if sample.name == "reward_requests_total"
    )


async def bounded(client: RewardClient, batch: list[ScoreItem]) -> list[ItemScore]:
    return await asyncio.wait_for(client.score(batch), client.timeout_s + SAFETY_S)


async def until(condition: Callable[[], bool]) -> None:
    async def wait() -> None:
        while not condition():  # noqa: ASYNC110 (the client's state has no event to wait on)
            await asyncio.sleep(0.01)

    await asyncio.wait_for(wait(), SAFETY_S)


def assert_scored(scores: list[ItemScore]) -> None:
    assert [(score.status, score.score) for score in scores] == [("ok", 1.0)] * len(scores), scores


# --- discovery over real verifiers ------------------------------------------------------------


async def test_a_name_with_two_addresses_spreads_requests_over_both(verifiers: list[RunningServer]) -> None:
    first, second, _ = verifiers
    resolver = FakeResolver(["127.0.0.1", "127.0.0.2"])
    metrics = TrainerMetrics()
    before = [served(first), served(second)]
    spec = f"dns+http://{NAME}:{first.port}"
    async with RewardClient(
        spec, resolver=resolver, metrics=metrics, max_items_per_request=1, timeout_s=30
    ) as client:
        scores = await bounded(client, items(8))
        assert client.endpoints == [first.url, second.url]
    assert_scored(scores)
    assert resolver.questions == [(NAME, first.port)]
    # the endpoint label is each resolved replica; least-outstanding routing splits eight chunks evenly
    assert [sent(metrics, first.url), sent(metrics, second.url)] == [4, 4]
    assert [served(first) - before[0], served(second) - before[1]] == [4, 4]


async def test_a_refresh_adds_a_new_replica_and_drops_a_vanished_one(verifiers: list[RunningServer]) -> None:
    first, second, third = verifiers
    resolver = FakeResolver(["127.0.0.1", "127.0.0.2"])
    metrics = TrainerMetrics()
    spec = f"dns+http://{NAME}:{first.port}"
    async with RewardClient(
        spec, resolver=resolver, metrics=metrics, max_items_per_request=1, timeout_s=30, dns_refresh_s=3600
    ) as client:
        assert_scored(await bounded(client, items(4)))
        resolver.answer = ["127.0.0.3", "127.0.0.2"]
        assert_scored(await bounded(client, items(4)))
        assert len(resolver.questions) == 1  # within dns_refresh_s: no new question
        assert client.endpoints == [first.url, second.url]

        await client.refresh()
        assert client.endpoints == [second.url, third.url]
        to_first = sent(metrics, first.url)
        assert_scored(await bounded(client, items(6)))
    assert sent(metrics, first.url) == to_first == 4  # the vanished replica got no new request
    assert sent(metrics, third.url) == 3


async def test_a_call_after_dns_refresh_s_resolves_the_name_again(verifiers: list[RunningServer]) -> None:
    first, second, _ = verifiers
    resolver = FakeResolver(["127.0.0.1"])
    metrics = TrainerMetrics()
    spec = f"dns+http://{NAME}:{first.port}"
    async with RewardClient(
        spec, resolver=resolver, metrics=metrics, timeout_s=30, dns_refresh_s=1e-9
    ) as client:
        assert_scored(await bounded(client, items(2)))
        resolver.answer = ["127.0.0.2"]
        # this call asks again (in the background: it still has a replica to send to) ...
        assert_scored(await bounded(client, items(2, "b")))
        await until(lambda: client.endpoints == [second.url])
        # ... and the next ones go to the new answer
        assert_scored(await bounded(client, items(2, "c")))
    assert len(resolver.questions) >= 2
    assert sent(metrics, second.url) >= 1
    assert sent(metrics, first.url) + sent(metrics, second.url) == 3


async def test_a_failed_or_empty_answer_keeps_the_last_replicas(
    verifiers: list[RunningServer], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="trust_grpo.client")
    first, second, _ = verifiers
    resolver = FakeResolver(["127.0.0.1", "127.0.0.2"])
    spec = f"dns+http://{NAME}:{first.port}"
    failures: list[Iterable[object] | BaseException] = [
        socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"),
        [],
        RuntimeError("a resolver bug"),
    ]

    def warnings() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]

    async with RewardClient(spec, resolver=resolver, timeout_s=30) as client:
        await client.refresh()
        for answer in failures:
            resolver.answer = answer
            await client.refresh()
            assert client.endpoints == [first.url, second.url]
            assert_scored(await bounded(client, items(2)))
        assert len(warnings()) == 1  # once per change of state, not once per failure
        assert "did not resolve" in warnings()[0]
        assert "keeping its 2 known replicas" in warnings()[0]

        resolver.answer = ["127.0.0.1"]
        await client.refresh()
        assert client.endpoints == [first.url]
        resolver.answer = OSError("down again")
        await client.refresh()
        assert client.endpoints == [first.url]
        assert len(warnings()) == 2
        assert "keeping its 1 known replicas" in warnings()[1]


@pytest.mark.parametrize(
    ("host", "resolver"),
    [
        (NAME, FakeResolver(socket.gaierror(socket.EAI_NONAME, "Name or service not known"))),
        (NAME, FakeResolver([])),
        (NAME, FakeResolver(["not an address"])),
        ("no-such-name.invalid", None),  # the real getaddrinfo: .invalid never resolves
    ],
    ids=["raises", "empty", "garbage", "real"],
)
async def test_a_name_that_never_resolved_fails_its_items_with_a_reason(
    host: str, resolver: FakeResolver | None
) -> None:
    spec = f"dns+http://{host}:8000"
    async with RewardClient(
        spec, resolver=resolver, timeout_s=5, max_retries=2, backoff_base_s=0.01, dns_refresh_s=1e-9
    ) as client:
        scores = await bounded(client, items(3))
        assert client.endpoints == []
    for score in scores:
        assert math.isnan(score.score), score
        assert score.status == "error", score
        assert score.reason is not None
        assert score.reason.startswith(f"unresolved: {spec}: "), score
    if resolver is not None:
        assert len(resolver.questions) >= 2  # each attempt after dns_refresh_s asks again
        assert resolver.questions[0] == (host, 8000)


async def test_a_fixed_url_serves_while_a_name_beside_it_does_not_resolve(
    verifiers: list[RunningServer],
) -> None:
    first = verifiers[0]
    resolver = FakeResolver(OSError("no such name"))
    async with RewardClient([first.url, f"dns+http://{NAME}:{first.port}"], resolver=resolver) as client:
        assert_scored(await bounded(client, items(3)))
        await client.refresh()
        assert client.endpoints == [first.url]
        assert_scored(await bounded(client, items(3)))


async def test_a_real_localhost_name_scores_through_its_ipv4_address(verifiers: list[RunningServer]) -> None:
    first = verifiers[0]
    metrics = TrainerMetrics()
    spec = f"dns+http://localhost:{first.port}"
    async with RewardClient(spec, metrics=metrics, max_items_per_request=1, timeout_s=30) as client:
        assert_scored(await bounded(client, items(4)))
        assert first.url in client.endpoints  # and http://[::1]:PORT where localhost has it too
        assert set(client.endpoints) <= {first.url, f"http://[::1]:{first.port}"}
    assert sent(metrics, first.url) == 4


async def test_an_address_where_nothing_listens_fails_over_to_one_that_answers(
    verifiers: list[RunningServer],
) -> None:
    first = verifiers[0]
    metrics = TrainerMetrics()
    resolver = FakeResolver(["::1", "127.0.0.1"])  # nothing listens on [::1]:PORT
    spec = f"dns+http://localhost:{first.port}"
    async with RewardClient(
        spec, resolver=resolver, metrics=metrics, max_items_per_request=1, timeout_s=30
    ) as client:
        assert client.endpoints == []  # nothing resolved before the first call
        assert_scored(await bounded(client, items(4)))
        ipv6 = f"http://[::1]:{first.port}"
        assert client.endpoints == [first.url, ipv6]  # IPv4 first, IPv6 in brackets
    assert sent(metrics, first.url) == 4
    assert sent(metrics, ipv6, "connect") >= 1


# --- what each replica is sent, and when it is closed ------------------------------------------


async def test_each_address_is_sent_the_name_and_counted_under_its_own_url() -> None:
    async with responders("127.0.0.1", "127.0.0.2") as (one, two):
        port = int(one.url.rsplit(":", 1)[1])
        metrics = TrainerMetrics()
        resolver = FakeResolver(["127.0.0.2", "127.0.0.1"])
        spec = f"dns+http://{NAME}:{port}"
        async with RewardClient(spec, resolver=resolver, metrics=metrics, max_items_per_request=1) as client:
            assert_scored(await bounded(client, items(4)))
    assert one.hosts == two.hosts == [f"{NAME}:{port}"] * 2
    assert [sent(metrics, one.url), sent(metrics, two.url)] == [2, 2]


async def test_a_vanished_replica_finishes_its_requests_then_is_closed() -> None:
    hold = asyncio.Event()
    async with responders("127.0.0.1", "127.0.0.2", hold=hold) as (one, two):
        port = int(one.url.rsplit(":", 1)[1])
        resolver = FakeResolver(["127.0.0.1"])
        async with RewardClient(f"dns+http://{NAME}:{port}", resolver=resolver, timeout_s=30) as client:
            earlier = asyncio.create_task(client.score(items(2, "a")))
            await asyncio.wait_for(one.received.wait(), SAFETY_S)
            resolver.answer = ["127.0.0.2"]
            await client.refresh()
            assert client.endpoints == [two.url]
            assert one.connections == 1  # its request is still in flight
            assert_scored(await bounded(client, items(2, "b")))
            assert (len(one.hosts), len(two.hosts)) == (1, 1)

            hold.set()
            assert_scored(await asyncio.wait_for(earlier, 30 + SAFETY_S))
            # idle now, so its pool is closed (httpx would otherwise keep the connection alive)
            await until(lambda: one.connections == 0)
            assert two.connections == 1


async def test_an_https_name_is_the_tls_server_name_and_host_of_each_address() -> None:
    seen: list[tuple[str, str, object]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((str(request.url), request.headers["host"], request.extensions.get("sni_hostname")))
        results = [
            {"id": item["id"], "status": "ok", "score": 1.0} for item in json.loads(request.content)["items"]
        ]
        # a streamed body, as a socket gives it: the client reads it raw, under its cap
        return httpx.Response(200, stream=Body(json.dumps({"results": results}).encode()))

    resolver = FakeResolver(["10.0.0.7"])
    spec = f"dns+https://{NAME}:8443/v1"
    async with RewardClient(spec, resolver=resolver, transport=httpx.MockTransport(answer)) as client:
        assert_scored(await bounded(client, items(1)))
    assert seen == [("https://10.0.0.7:8443/v1/score", f"{NAME}:8443", NAME)]


# --- hostile answers --------------------------------------------------------------------------


async def test_a_huge_answer_is_capped_to_a_stable_subset(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="trust_grpo.client")
    many = [str(ipaddress.IPv4Address("10.0.0.1") + k) for k in range(1000)]
    resolver = FakeResolver([*reversed(many), *many])  # every address twice, in no useful order
    async with RewardClient(f"dns+http://{NAME}:8000", resolver=resolver) as client:
        await client.refresh()
        assert client.endpoints == [f"http://{address}:8000" for address in many[:MAX_REPLICAS_PER_NAME]]
        await client.refresh()
        assert len(client.endpoints) == MAX_REPLICAS_PER_NAME
        # an endless answer is read only so far
        resolver.answer = (str(ipaddress.IPv4Address("10.1.0.1") + k) for k in itertools.count())
        await asyncio.wait_for(client.refresh(), SAFETY_S)
        assert len(client.endpoints) == MAX_REPLICAS_PER_NAME
    capped = [r.getMessage() for r in caplog.records if "addresses; only the first" in r.getMessage()]
    assert len(capped) == 1


async def test_duplicate_and_unusable_addresses_give_one_replica_each() -> None:
    resolver = FakeResolver(
        [
            "127.0.0.1",
            "127.0.0.1",
            "::ffff:127.0.0.1",  # the same address, IPv4-mapped
            "0:0:0:0:0:0:0:1",
            "::1",
            "not-an-address",
            " 127.0.0.9",
            "0.0.0.0",
            "::",
            "224.0.0.1",
            "fe80::1%eth0",
            7,
            None,
        ]
    )
    async with RewardClient(f"dns+http://{NAME}:8000", resolver=resolver) as client:
        await client.refresh()
        assert client.endpoints == ["http://127.0.0.1:8000", "http://[::1]:8000"]
    # a fixed URL and an address of a name that are the same replica are one replica
    resolver.answer = ["127.0.0.1", "127.0.0.2"]
    async with RewardClient(
        ["http://127.0.0.1:8000", f"dns+http://{NAME}:8000"], resolver=resolver
    ) as client:
        await client.refresh()
        assert client.endpoints == ["http://127.0.0.1:8000", "http://127.0.0.2:8000"]


async def test_closing_cancels_a_resolution_that_hangs() -> None:
    asked = asyncio.Event()

    async def hangs(host: str, port: int) -> list[str]:
        asked.set()
        await asyncio.Event().wait()
        return []

    spec = f"dns+http://{NAME}:8000"
    client = RewardClient(spec, resolver=hangs, timeout_s=0.5, max_retries=0)
    scores = await bounded(client, items(2))
    assert asked.is_set()
    assert [(s.status, s.reason) for s in scores] == [("error", f"unresolved: {spec}: not resolved yet")] * 2
    assert all(math.isnan(s.score) for s in scores)
    await asyncio.wait_for(client.aclose(), SAFETY_S)


# --- syntax and settings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        "dns+ftp://name:8000",
        "dns+http://:8000",
        "dns+http://user@name:8000",
        "dns+http://name:8000?x=1",
        "dns+name",
    ],
)
def test_a_malformed_dns_endpoint_is_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="dns\\+http://NAME:PORT"):
        split_endpoints([spec])


async def test_reward_dns_refresh_s_reaches_the_client(tmp_path: Path) -> None:
    config = TrustGRPOConfig(
        output_dir=str(tmp_path),
        outcome_url=["dns+http://verifier-headless.rl.svc:8000", "http://127.0.0.1:8101"],
        reward_dns_refresh_s=2.5,
        **CPU_RUN,
    )
    options = config.client_options("outcome")
    assert options.dns_refresh_s == 2.5
    reward = RemoteReward("outcome", config.outcome_url or [], options)
    try:
        assert reward.client().dns_refresh_s == 2.5
        assert reward.client().endpoints == ["http://127.0.0.1:8101"]  # the name is resolved on first use
    finally:
        await reward.aclose()
    with pytest.raises(ValueError, match="reward_dns_refresh_s must be > 0"):
        TrustGRPOConfig(output_dir=str(tmp_path), reward_dns_refresh_s=0, **CPU_RUN)
    with pytest.raises(ValueError, match="bad reward endpoint"):
        TrustGRPOConfig(output_dir=str(tmp_path), outcome_url=["dns+ftp://name:1"], **CPU_RUN)
