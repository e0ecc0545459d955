"""The LM judge with a recording engine: exact prompt, chat layout, truncation, score modes, order."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from pathlib import Path

import pytest
from reward_server.scorers.thinking.engines.base import Completion
from reward_server.scorers.thinking.judge import JudgeInput
from reward_server.scorers.thinking.lm_judge import TRUNCATION_MARKER, LMJudge
from reward_server.scorers.thinking.prompt import (
    JudgePrompt,
    prepare_question,
    prepare_reasoning,
    render_prompt,
    template,
)
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


class TwoWaveEngine(RecordingEngine):
    """Answers nothing until both prompts of logprob mode have been asked: a judge that waits for
    the first answers before asking the second prompts never finishes."""

    def __init__(self) -> None:
        super().__init__()
        self.both_asked = asyncio.Event()

    async def complete(
        self, prompts: Sequence[JudgePrompt], *, assistant_prefix: str, max_tokens: int, top_logprobs: int
    ) -> list[Completion | Exception]:
        answers = await super().complete(
            prompts, assistant_prefix=assistant_prefix, max_tokens=max_tokens, top_logprobs=top_logprobs
        )
        if len(self.calls) == 2:
            self.both_asked.set()
        await self.both_asked.wait()
        return answers


async def test_logprob_mode_asks_both_prompts_at_once() -> None:
    engine = TwoWaveEngine()
    judge = LMJudge(engine, mode="logprob")
    await judge.start()
    inputs = [JudgeInput("How many?", f"<think>{n} + 1 = {n + 1}</think>") for n in range(3)]
    outcomes = await asyncio.wait_for(judge.judge(inputs), timeout=30)
    assert [prefix for prefix, _ in engine.calls] == ["<answer>", "<answer>0."]
    assert all(outcome.score is not None for outcome in outcomes)


class CountingEngine(RecordingEngine):
    """Counts the texts it tokenizes (characters are tokens, as in `RecordingEngine`)."""

    def __init__(self, max_context: int = 100_000) -> None:
        super().__init__(max_context)
        self.tokenized: list[str] = []

    def tokenize(self, text: str) -> list[int]:
        self.tokenized.append(text)
        return super().tokenize(text)


async def test_a_trace_that_fits_in_bytes_is_rendered_without_the_tokenizer() -> None:
    engine = CountingEngine()
    judge = LMJudge(engine, mode="parsed")
    await judge.start()
    engine.tokenized.clear()  # the template, once at start
    prompt, truncated = judge.render(JudgeInput("How many?", "<think>2 + 2 = 4</think>"))
    assert engine.tokenized == []
    assert not truncated
    assert prompt.text == render_prompt("How many?", "<think>2 + 2 = 4</think>")


async def test_a_trace_over_the_room_in_bytes_but_not_in_tokens_is_counted_and_kept_whole() -> None:
    reasoning = "<think>" + "\u00e9" * 300 + "</think>"  # 600 bytes, 315 tokens here
    engine = CountingEngine(max_context=len(template()) + 48 + 16 + 400)
    judge = LMJudge(engine, mode="parsed")
    await judge.start()
    prompt, truncated = judge.render(JudgeInput("q", reasoning))
    assert reasoning in engine.tokenized
    assert not truncated
    assert reasoning in prompt.text


HOSTILE_TEXTS = [
    " " * 5000,
    "\n\t " * 2000,
    "\u00e9\u0301" * 1000,  # combining marks
    "\U0001f600\u200d\U0001f4bb" * 500,  # emoji with zero-width joiners
    "".join(chr(c) for c in range(0x20, 0x3000, 7)),
    "1234567890" * 300,
    "<think>" * 800,
    "\ufeff\u00a0\u2028" * 700,
]


@pytest.mark.parametrize("text", HOSTILE_TEXTS, ids=range(len(HOSTILE_TEXTS)))
def test_the_judges_tokenizer_never_makes_more_tokens_than_bytes(text: str) -> None:
    """What `LMJudge.render`'s shortcut relies on, for the byte-level BPE of the tiny judge (the
    released judge's tokenizer is byte-level BPE too)."""
    from tiny_models.judge import judge_corpus
    from tiny_models.text import build_tokenizer

    tokenizer = build_tokenizer(judge_corpus(0)[:200], vocab_size=512)
    assert len(tokenizer.encode(text, add_special_tokens=False)) <= len(text.encode("utf-8")) + 1
