"""The interface every language-model engine implements for the judge."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from reward_server.scorers.thinking.prompt import JudgePrompt


async def gather_completions(calls: Iterable[Awaitable[Completion]]) -> list[Completion | Exception]:
    """Run one call per prompt concurrently; a failed call becomes its exception, in place."""
    answers = await asyncio.gather(*calls, return_exceptions=True)
    return [
        answer if isinstance(answer, Completion | Exception) else RuntimeError(repr(answer))
        for answer in answers
    ]


class EngineUnavailable(RuntimeError):
    """The engine cannot answer right now (upstream down, not loaded); items become `error`."""


@dataclass(frozen=True, slots=True)
class Completion:
    """What one prompt produced: text, and per generated step the top tokens' logprobs."""

    text: str
    top_logprobs: list[dict[str, float]] = field(default_factory=list)
    prompt_tokens: int = 0
    cached_tokens: int = 0


class ChatEngine(Protocol):
    model: str
    max_context: int

    @property
    def ready(self) -> bool: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def tokenize(self, text: str) -> list[int]: ...

    def detokenize(self, tokens: Sequence[int]) -> str: ...

    async def complete(
        self,
        prompts: Sequence[JudgePrompt],
        *,
        assistant_prefix: str,
        max_tokens: int,
        top_logprobs: int,
    ) -> list[Completion | Exception]:
        """Greedy completions of the chat `prompts`, the assistant turn starting with
        `assistant_prefix`. One entry per prompt: a `Completion` or the exception that failed it."""
        ...
