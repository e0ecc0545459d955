"""A judge on top of a language-model engine: prompt, truncation and the two score modes."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from typing import Literal

from reward_server.scorers.thinking.engines.base import ChatEngine, Completion
from reward_server.scorers.thinking.judge import JudgeInput, JudgeOutcome
from reward_server.scorers.thinking.prompt import JudgePrompt, render_prompt, template
from reward_server.scorers.thinking.scoring import ANSWER_PREFIX, expected_score, parse_score

ScoreMode = Literal["logprob", "parsed"]
TRUNCATION_MARKER = "\n...[reasoning truncated]...\n"
_RESERVED_TOKENS = 48  # chat scaffolding and the answer the judge writes


class LMJudge:
    """Scores traces with a generative judge.

    `logprob` mode asks two one-token questions, the assistant turn primed with `<answer>` and
    with `<answer>0.`, and takes the expected score over the score tokens; the second prompt
    extends the first, so prefix caching makes it almost free. Both go to the engine at once:
    waiting for every first answer before sending the second prompts left vLLM draining its queue
    between two waves (docs/benchmarks.md, the judge against vLLM's ceiling). `parsed` mode
    generates at temperature 0 and reads the number.

    Groups: the batcher keeps a group's items adjacent and in one batch, and the prompt puts the
    shared part (template, question, image) first, so an engine with prefix caching computes it
    once per group. (Sending each group's first item ahead of the rest was tried and measured: on
    vLLM it saved no prefill tokens and cost a round trip, so all prompts go out together.)
    """

    def __init__(
        self,
        engine: ChatEngine,
        *,
        mode: ScoreMode = "logprob",
        top_logprobs: int = 20,
        max_new_tokens: int = 16,
        head_share: float = 0.25,
    ) -> None:
        self.engine = engine
        self.mode = mode
        self.top_logprobs = top_logprobs
        self.max_new_tokens = max_new_tokens
        self.head_share = head_share
        self.model = engine.model
        self.model_version = f"{engine.model}+{mode}"
        self._template_tokens = 0  # known once the engine (and its tokenizer) has started

    @property
    def ready(self) -> bool:
        return self.engine.ready

    async def start(self) -> None:
        await self.engine.start()
        self._template_tokens = len(self.engine.tokenize(template()))

    async def close(self) -> None:
        await self.engine.close()

    def render(self, judge_input: JudgeInput) -> tuple[JudgePrompt, bool]:
        """The judge prompt, with the reasoning cut to fit the context: head and tail are kept,
        so the final answer is never cut away. Returns (prompt, truncated)."""
        room = self.engine.max_context - self._template_tokens - _RESERVED_TOKENS - self.max_new_tokens
        question, reasoning = judge_input.question, judge_input.reasoning
        # Judges' tokenizers (byte-level BPE, or SentencePiece with byte fallback) never make more
        # tokens than UTF-8 bytes, plus a leading marker: text that fits in bytes fits in tokens,
        # and most traces skip the tokenizer (43 of the 50 ms that building 256 prompts took).
        if _utf8_size(question) + _utf8_size(reasoning) + 2 <= room:
            return JudgePrompt(text=render_prompt(question, reasoning), image=judge_input.image), False
        budget = room - len(self.engine.tokenize(question))
        tokens = self.engine.tokenize(reasoning)
        truncated = len(tokens) > budget
        if truncated:
            keep = max(0, budget - len(self.engine.tokenize(TRUNCATION_MARKER)))
            head = int(keep * self.head_share)
            tail = keep - head
            reasoning = (
                self.engine.detokenize(tokens[:head])
                + TRUNCATION_MARKER
                + (self.engine.detokenize(tokens[-tail:]) if tail else "")
            )
        text = render_prompt(question, reasoning)
        return JudgePrompt(text=text, image=judge_input.image), truncated

    async def judge(self, inputs: Sequence[JudgeInput]) -> list[JudgeOutcome]:
        rendered = [self.render(judge_input) for judge_input in inputs]
        prompts = [prompt for prompt, _ in rendered]
        if self.mode == "logprob":
            leading, decimals = await asyncio.gather(
                *(
                    self.engine.complete(
                        prompts, assistant_prefix=prefix, max_tokens=1, top_logprobs=self.top_logprobs
                    )
                    for prefix in (ANSWER_PREFIX, ANSWER_PREFIX + "0.")
                )
            )
            return [
                _with_usage(self._from_logprobs(first, second, truncated), first, second)
                for first, second, (_, truncated) in zip(leading, decimals, rendered, strict=True)
            ]
        completions = await self.engine.complete(
            prompts, assistant_prefix="", max_tokens=self.max_new_tokens, top_logprobs=self.top_logprobs
        )
        return [
            _with_usage(self._from_text(completion, truncated), completion)
            for completion, (_, truncated) in zip(completions, rendered, strict=True)
        ]

    def _from_logprobs(
        self, first: Completion | Exception, second: Completion | Exception, truncated: bool
    ) -> JudgeOutcome:
        for answer in (first, second):
            if isinstance(answer, Exception):
                return JudgeOutcome(None, "logprob", truncated=truncated, error=_describe(answer))
        assert isinstance(first, Completion)
        assert isinstance(second, Completion)
        if not first.top_logprobs or not second.top_logprobs:
            return JudgeOutcome(None, "logprob", truncated=truncated, error="the engine returned no logprobs")
        score = expected_score(first.top_logprobs[0], second.top_logprobs[0])
        raw = first.text
        if score is None:
            error = "the judge put no probability on score tokens"
            return JudgeOutcome(None, "logprob", raw, truncated, error, parse_failure=True)
        return JudgeOutcome(score, "logprob", raw, truncated)

    def _from_text(self, completion: Completion | Exception, truncated: bool) -> JudgeOutcome:
        if isinstance(completion, Exception):
            return JudgeOutcome(None, "parsed", truncated=truncated, error=_describe(completion))
        score = parse_score(completion.text)
        if score is None:
            error = "judge output has no score in [0, 1]"
            return JudgeOutcome(None, "parsed", completion.text, truncated, error, parse_failure=True)
        return JudgeOutcome(score, "parsed", completion.text, truncated)


def _with_usage(outcome: JudgeOutcome, *answers: Completion | Exception) -> JudgeOutcome:
    """The engine's own prompt and prefix-cache token counts, for the prefill metrics."""
    done = [answer for answer in answers if isinstance(answer, Completion)]
    return dataclasses.replace(
        outcome,
        prompt_tokens=sum(answer.prompt_tokens for answer in done),
        cached_tokens=sum(answer.cached_tokens for answer in done),
    )


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _describe(error: Exception) -> str:
    return f"judge engine failed: {type(error).__name__}: {error}"[:300]
