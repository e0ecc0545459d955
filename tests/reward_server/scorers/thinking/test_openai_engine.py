"""`--backend openai` against a real `vllm.entrypoints.openai.api_server` on the tiny judge,
including the upstream dying mid-batch and coming back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from reward_server.scorers.thinking.engines import openai_engine
from reward_server.scorers.thinking.engines.openai_engine import OpenAIEngine

from tests.reward_server.scorers.thinking.judging import assert_scored_or_error
from tests.servers import RunningServer, free_port, start_server

pytestmark = pytest.mark.slow

_UPSTREAM_START_TIMEOUT_S = 300


@dataclass
class Upstream:
    model: Path
    port: int
    log_dir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "vllm.entrypoints.openai.api_server",
            "--model",
            str(self.model),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--gpu-memory-utilization",
            "0.2",
            "--max-model-len",
            "2048",
            "--dtype",
            "float32",
            "--enable-prompt-tokens-details",
        ]
        log = (self.log_dir / f"upstream-{time.monotonic_ns()}.log").open("wb")
        env = {**os.environ, "VLLM_CPU_OMP_THREADS_BIND": "0-1"}
        # Its own session, so that killing it takes its engine processes too.
        self.process = subprocess.Popen(command, stdout=log, stderr=log, env=env, start_new_session=True)
        deadline = time.monotonic() + _UPSTREAM_START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "the vLLM OpenAI server exited"
            try:
                if httpx.get(f"{self.url}/models", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        raise TimeoutError("the vLLM OpenAI server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture(scope="module")
def upstream(tiny_judge: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Upstream]:
    server = Upstream(tiny_judge, free_port(), tmp_path_factory.mktemp("upstream"))
    server.start()
    yield server
    server.kill()


@pytest.fixture(scope="module")
def openai_server(
    upstream: Upstream, tiny_judge: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    server = start_server(
        tmp_path_factory.mktemp("openai"),
        "--scorer",
        "thinking",
        "--backend",
        "openai",
        "--model",
        str(tiny_judge),
        "--upstream-url",
        upstream.url,
        env={"REWARD_SERVER_UPSTREAM_RETRIES": "1"},
    )
    yield server
    server.stop()


def items(tag: str, count: int) -> list[dict[str, Any]]:
    """Distinct per tag, so that no answer comes from the result cache."""
    return [
        {
            "id": f"{tag}{n}",
            "question": "How many apples?",
            "group_id": f"{tag}-{n // 8}",
            "response": f"<think>[{tag}] 12*{n} = {12 * n}</think><answer>{12 * n}</answer>",
        }
        for n in range(count)
    ]


def wait_for(predicate: Any, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_every_item_gets_a_score_or_an_explicit_error(openai_server: RunningServer) -> None:
    results = openai_server.score(items("ok", 12))["results"]
    assert [r["id"] for r in results] == [f"ok{n}" for n in range(12)]
    assert_scored_or_error(results, "logprob")


def test_upstream_killed_mid_batch_then_back(openai_server: RunningServer, upstream: Upstream) -> None:
    outcome: dict[str, Any] = {}

    def send() -> None:
        response = httpx.post(f"{openai_server.url}/score", json={"items": items("mid", 160)}, timeout=120)
        outcome["status"] = response.status_code
        outcome["results"] = response.json()["results"]

    sender = threading.Thread(target=send)
    sender.start()
    time.sleep(0.5)
    upstream.kill()
    sender.join(timeout=120)
    assert outcome["status"] == 200
    assert_scored_or_error(outcome["results"], "logprob", some_scored=False)
    # Items the dead upstream could not answer are `error` with the reason (the tiny judge may
    # also miss the score tokens on a few items, which is a different, legitimate error).
    failed = [r["error"] for r in outcome["results"] if r["status"] == "error"]
    assert any("upstream" in error or "judge engine failed" in error for error in failed), failed

    # The server stays up but is not ready while the upstream is gone ...
    assert httpx.get(f"{openai_server.url}/healthz").status_code == 200
    assert wait_for(lambda: httpx.get(f"{openai_server.url}/readyz").status_code == 503, 30)
    after_death = openai_server.score(items("down", 4))["results"]
    assert all(r["status"] == "error" for r in after_death)

    # ... and recovers by itself once the upstream is back.
    upstream.start()
    assert wait_for(lambda: httpx.get(f"{openai_server.url}/readyz").status_code == 200, 60)
    recovered = openai_server.score(items("back", 8))["results"]
    assert_scored_or_error(recovered, "logprob")


async def test_retries_back_off_with_retry_after_as_a_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    """The upstream's `Retry-After` is a floor on the backoff, capped at 30 s; garbage is ignored."""
    replies = [
        httpx.Response(503, headers={"retry-after": "2"}),  # longer than the backoff: 2 s
        httpx.Response(429, headers={"retry-after": "inf"}),  # garbage: the backoff alone
        httpx.Response(429, headers={"retry-after": "999"}),  # capped at 30 s
        httpx.Response(502),  # no header: the backoff (ceiling 0.1 * 2**3)
        httpx.Response(200, json={"choices": []}),
    ]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(openai_engine.asyncio, "sleep", sleep)
    engine = OpenAIEngine("http://upstream.test/v1", "judge", retries=len(replies) - 1)
    engine._client = httpx.AsyncClient(
        base_url=engine.base_url, transport=httpx.MockTransport(lambda request: replies.pop(0))
    )
    try:
        assert await engine._post({}) == {"choices": []}
    finally:
        await engine._client.aclose()
    assert waits[0] == 2.0
    assert 0.1 <= waits[1] <= 0.2
    assert waits[2] == 30.0
    assert 0.4 <= waits[3] <= 0.8
