"""The LM judge with a recording engine: exact prompt, chat layout, truncation, score modes, order."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pytest
from reward_server.scorers.thinking.engines.base import Completion
from reward_server.scorers.thinking.judge import JudgeInput
from reward_server.scorers.thinking.lm_judge import TRUNCATION_MARKER, LMJudge
from reward_server.scorers.thinking.prompt import JudgePrompt, prepare_question, prepare_reasoning, template
from reward_server.scorers.thinking.scoring import parse_score

REFERENCE = (
    Path(__file__).resolve().parents[4].parent / "shared" / "reference" / "sophiavl_thinking_prompt.txt"
)


class RecordingEngine:
    """Characters are tokens; answers come from `reply(prompt, prefix)`."""

    model = "recording"

    def __init__(self, max_context: int = 100_000, text: str = "<answer>0.7</answer>") -> None:
        self.max_context = max_context
        self.text = text
        self.calls: list[tuple[str, list[JudgePrompt]]] = []
        self.ready = True

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def tokenize(self, text: str) -> list[int]:
        return [ord(char) for char in text]

    def detokenize(self, tokens: Sequence[int]) -> str:
        return "".join(chr(token) for token in tokens)

    async def complete(
        self, prompts: Sequence[JudgePrompt], *, assistant_prefix: str, max_tokens: int, top_logprobs: int
    ) -> list[Completion | Exception]:
        self.calls.append((assistant_prefix, list(prompts)))
        if assistant_prefix == "<answer>":
            return [Completion("0", [{"0": math.log(0.6), "1": math.log(0.4), "x": -9.0}]) for _ in prompts]
        if assistant_prefix == "<answer>0.":
            return [Completion("5", [{"5": math.log(0.5), "9": math.log(0.5)}]) for _ in prompts]
        return [Completion(self.text) for _ in prompts]


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared/reference is not beside this checkout")
def test_the_packaged_prompt_is_the_reference_file_byte_for_byte() -> None:
    assert template() == REFERENCE.read_text(encoding="utf-8")


async def test_the_judge_receives_exactly_the_rendered_prompt_file() -> None:
    engine = RecordingEngine()
    judge = LMJudge(engine, mode="parsed")
    await judge.start()
    question = prepare_question("How many apples?", has_image=True)
    reasoning = prepare_reasoning("<think>cost is $5 + $3 = $8</think><answer>8</answer>")
    await judge.judge([JudgeInput(question, reasoning, image="data:image/png;base64,AAAA")])
    ((_, (prompt,)),) = engine.calls
    expected = (
        template()
        .replace("{question}", "<image> How many apples?")
        .replace("{reasoning}", "<think>cost is 5 + 3 = 8</think><answer>8</answer>")
    )
    assert prompt.text == expected
    assert prompt.messages() == [
        {"role": "system", "content": "You are a helpful assistant."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": expected},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
            ],
        },
    ]


async def test_logprob_mode_takes_the_expected_score() -> None:
    judge = LMJudge(RecordingEngine(), mode="logprob")
    await judge.start()
    (outcome,) = await judge.judge([JudgeInput("q", "r")])
    # P(1) = 0.4 -> 1.0; P(0) = 0.6 -> E[0.d] = 0.5*0.5 + 0.5*0.9 = 0.7
    assert outcome.score == pytest.approx(0.4 + 0.6 * 0.7)
    assert outcome.method == "logprob"


@pytest.mark.parametrize(
    ("text", "score"),
    [("<answer>0.75</answer>", 0.75), ("<answer> 1.0 </answer>", 1.0), ("\\boxed{0.6}", 0.6), ("0.75", 0.75)],
)
def test_score_parsing_accepts_every_decimal(text: str, score: float) -> None:
    assert parse_score(text) == score


async def test_unparseable_judge_output_is_an_error_never_zero() -> None:
    judge = LMJudge(RecordingEngine(text="This reasoning is great!"), mode="parsed")
    await judge.start()
    (outcome,) = await judge.judge([JudgeInput("q", "r")])
    assert outcome.score is None
    assert outcome.parse_failure
    assert outcome.error


async def test_long_reasoning_keeps_head_and_tail_and_says_so() -> None:
    engine = RecordingEngine(max_context=len(template()) + 400)
    judge = LMJudge(engine, mode="parsed")
    await judge.start()
    reasoning = "<think>" + "step " * 500 + "</think><answer>FINAL-42</answer>"
    (outcome,) = await judge.judge([JudgeInput("q", reasoning)])
    ((_, (prompt,)),) = engine.calls
    assert outcome.truncated
    assert TRUNCATION_MARKER in prompt.text
    assert "<answer>FINAL-42</answer>" in prompt.text
    assert prompt.text.count("step") < 500
