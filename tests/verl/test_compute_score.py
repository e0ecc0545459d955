"""`compute_score` against the real outcome verifier and rules judge on 127.0.0.1, called directly and
through verl's own reward loop (config -> RewardLoopWorker -> NaiveRewardManager -> compute_score)."""

from __future__ import annotations

import asyncio
import base64
import math
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from trust_grpo import verl_plugin
from trust_grpo.verl_plugin import compute_score

from tests.servers import RunningServer, free_port, start_server
from tests.verl.conftest import RUN_OVERRIDES, agent_loop_sample, plugin_overrides, verl_config

QUESTION = "A box holds 12 apples. How many apples are in 3 boxes?"
RIGHT = "<think>3 boxes of 12: 12*3 = 36</think><answer>36</answer>"
WRONG = "<think>3 boxes of 12: 12*3 = 38</think><answer>38</answer>"
SLOPPY = "<think>just guess</think><answer>35</answer>"
BAD_IMAGE = "data:image/png;base64," + base64.b64encode(b"not a png").decode()


@pytest.fixture(autouse=True)
async def _close_clients() -> AsyncIterator[None]:
    yield
    await verl_plugin.aclose_clients()


def urls(outcome: RunningServer, thinking: RunningServer) -> dict[str, str]:
    return {"outcome_url": outcome.url, "thinking_url": thinking.url}


def direct(server: RunningServer, **item: Any) -> float:
    """The score the service itself gives `item`; NaN for a failed item."""
    (result,) = server.score([{"id": "x", **item}])["results"]
    return float(result["score"]) if result["status"] == "ok" else math.nan


def requests(server: RunningServer) -> float:
    """`/score` requests the server has answered (its `reward_requests_total`)."""
    lines = server.client.get("/metrics").text.splitlines()
    return sum(float(line.split()[-1]) for line in lines if line.startswith("reward_requests_total{"))


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


async def test_both_scores_match_the_services(
    outcome_server: RunningServer, rules_server: RunningServer
) -> None:
    info = {"question": QUESTION, "index": 7}
    for response, expected_outcome in ((RIGHT, 1.0), (WRONG, 0.0), (SLOPPY, 0.0)):
        result = await compute_score("gsm8k", response, "36", info, **urls(outcome_server, rules_server))
        thinking = direct(rules_server, response=response, question=QUESTION)
        assert not math.isnan(thinking)
        assert result == {"score": expected_outcome, "outcome": expected_outcome, "thinking": thinking}
        assert result["outcome"] == direct(outcome_server, response=response, ground_truth="36")
    # the rules judge tells the right derivation from the wrong one, so gamma has something to see
    right = await compute_score("gsm8k", RIGHT, "36", info, **urls(outcome_server, rules_server))
    wrong = await compute_score("gsm8k", WRONG, "36", info, **urls(outcome_server, rules_server))
    assert right["thinking"] > wrong["thinking"]


async def test_a_failed_outcome_is_nan_never_zero(
    outcome_server: RunningServer, rules_server: RunningServer
) -> None:
    # the verifier answers `invalid` for an empty ground truth
    result = await compute_score(
        "gsm8k", RIGHT, "", {"question": QUESTION}, **urls(outcome_server, rules_server)
    )
    assert math.isnan(result["outcome"])
    assert result["score"] == 0.0  # verl's reward tensor cannot hold NaN; the estimator reads `outcome`
    assert result["thinking"] == direct(rules_server, response=RIGHT, question=QUESTION)


async def test_a_failed_thinking_score_is_nan(
    outcome_server: RunningServer, rules_server: RunningServer
) -> None:
    # the judge refuses an image that is not one; the verifier does not look at images
    info = {"question": QUESTION, "images": [BAD_IMAGE]}
    result = await compute_score("gsm8k", RIGHT, "36", info, **urls(outcome_server, rules_server))
    assert result["outcome"] == 1.0
    assert result["score"] == 1.0
    assert math.isnan(result["thinking"])


async def test_an_unreachable_service_is_nan(outcome_server: RunningServer) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    result = await compute_score(
        "gsm8k", RIGHT, "36", {}, outcome_url=outcome_server.url, thinking_url=closed, timeout_s=5.0
    )
    assert result["outcome"] == 1.0
    assert math.isnan(result["thinking"])


async def test_a_sample_the_wire_refuses_is_nan(
    outcome_server: RunningServer, rules_server: RunningServer
) -> None:
    info = {"answer_type": "no such type"}
    result = await compute_score("gsm8k", RIGHT, "36", info, **urls(outcome_server, rules_server))
    assert result["score"] == 0.0
    assert math.isnan(result["outcome"])
    assert math.isnan(result["thinking"])


async def test_missing_urls_fail_loudly() -> None:
    with pytest.raises(ValueError, match="outcome_url"):
        await compute_score("gsm8k", RIGHT, "36", {}, thinking_url="http://127.0.0.1:1")


async def test_concurrent_samples_share_one_request_per_service(
    outcome_server: RunningServer, rules_server: RunningServer
) -> None:
    before = requests(outcome_server), requests(rules_server)
    responses = [RIGHT, WRONG, SLOPPY, RIGHT, WRONG, "<answer>36</answer>", "no tags at all", RIGHT]
    results = await asyncio.gather(
        *(
            compute_score(
                "gsm8k", response, "36", {"question": QUESTION}, **urls(outcome_server, rules_server)
            )
            for response in responses
        )
    )
    # all calls are queued before the window's timer can fire, so this holds however slow the loop is
    assert (requests(outcome_server), requests(rules_server)) == (before[0] + 1, before[1] + 1)
    for response, result in zip(responses, results, strict=True):  # each sample got its own scores back
        assert same(result["outcome"], direct(outcome_server, response=response, ground_truth="36"))
        assert same(result["thinking"], direct(rules_server, response=response, question=QUESTION))


async def test_verl_reward_loop_calls_it_with_the_documented_overrides(
    outcome_server: RunningServer, rules_server: RunningServer, tokenizer_dir: Any
) -> None:
    """verl's own reward path, in process: the config the overrides build loads `compute_score`
    (pkg://, reward_kwargs) into a RewardLoopWorker, whose NaiveRewardManager decodes each response
    and awaits it; the dict's keys land in reward_extra_info, NaN included."""
    from transformers import AutoTokenizer
    from verl.experimental.reward_loop.reward_loop import RewardLoopWorker
    from verl.protocol import DataProto

    config = verl_config(
        plugin_overrides(outcome_server.url, rules_server.url)
        + RUN_OVERRIDES
        + [f"actor_rollout_ref.model.path={tokenizer_dir}"]
    )
    worker = RewardLoopWorker(config)
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    cases = [(RIGHT, "36"), (WRONG, "36"), (RIGHT, "")]
    data = DataProto.concat(
        [
            agent_loop_sample(
                tokenizer, QUESTION, response, ground_truth=truth, extra_info={"question": QUESTION}, uid="u"
            )
            for response, truth in cases
        ]
    )
    outputs = await worker.compute_score_batch(data)
    thinking = [direct(rules_server, response=response, question=QUESTION) for response, _ in cases]
    assert [output["reward_score"] for output in outputs] == [1.0, 0.0, 0.0]
    info = [output["reward_extra_info"] for output in outputs]
    assert [row["outcome"] for row in info[:2]] == [1.0, 0.0]
    assert math.isnan(info[2]["outcome"])
    assert [row["thinking"] for row in info] == thinking


async def test_replicas_as_a_hydra_list(outcome_server: RunningServer, rules_server: RunningServer) -> None:
    """`reward_kwargs.*_url=[a,b]` reaches compute_score as an OmegaConf list (two names of one server)."""
    replicas = f"[{rules_server.url},{rules_server.url.replace('127.0.0.1', 'localhost')}]"
    config = verl_config(
        [
            f"+reward.custom_reward_function.reward_kwargs.outcome_url={outcome_server.url}",
            f"+reward.custom_reward_function.reward_kwargs.thinking_url={replicas}",
        ]
    )
    kwargs = dict(config.reward.custom_reward_function.reward_kwargs)
    results = await asyncio.gather(
        *(compute_score("gsm8k", RIGHT, "36", {"question": QUESTION}, **kwargs) for _ in range(4))
    )
    thinking = direct(rules_server, response=RIGHT, question=QUESTION)
    assert results == [{"score": 1.0, "outcome": 1.0, "thinking": thinking}] * 4


async def test_the_api_key_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "verl-test-key-0123456789abcdef"
    outcome = start_server(tmp_path, "--scorer", "outcome", api_key=key)
    thinking = start_server(tmp_path, "--scorer", "thinking", "--backend", "rules", api_key=key)
    try:
        refused = await compute_score("gsm8k", RIGHT, "36", {}, **urls(outcome, thinking), timeout_s=5.0)
        assert math.isnan(refused["outcome"])  # 401: a failure, not a 0
        assert math.isnan(refused["thinking"])
        monkeypatch.setenv("TRUST_GRPO_API_KEY", key)
        result = await compute_score("gsm8k", RIGHT, "36", {}, **urls(outcome, thinking))
        assert result["outcome"] == 1.0
        assert not math.isnan(result["thinking"])
    finally:
        await verl_plugin.aclose_clients()
        outcome.stop()
        thinking.stop()
